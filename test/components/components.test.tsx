/** @vitest-environment happy-dom */
import { QueryClient } from '@tanstack/react-query';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { activeClockCount } from '../../src/components/clock.ts';
import {
  AvatarStack,
  ConnectionStatus,
  LastSeen,
  OnlineBadge,
  OnlineList,
  StatusPicker,
  UserAvatar,
  formatLastSeen,
  initialsOf,
} from '../../src/components/index.ts';
import { presenceKeys } from '../../src/react/queryKeys.ts';
import { createMockPresence, createPresenceWrapper, makePresence, makeUserView } from '../../src/testing/browser.ts';

afterEach(() => cleanup());

import { expiryOf } from '../../src/components/clear-after.ts';

function setup(users: Parameters<typeof createMockPresence>[0]['users'], extra: Partial<Parameters<typeof createMockPresence>[0]> = {}) {
  const mock = createMockPresence({ users, me: 'me', ...extra });
  return { ...mock, Wrapper: createPresenceWrapper(mock.client) };
}

describe('OnlineBadge', () => {
  test('shows each status with an accessible name and data-status, live', async () => {
    const { Wrapper, controls } = setup([makeUserView('grace', { presence: makePresence('online') })]);
    render(<OnlineBadge userId="grace" data-testid="badge" title="Grace" />, { wrapper: Wrapper });
    const badge = screen.getByTestId('badge');
    expect(badge.getAttribute('title')).toBe('Grace');
    await waitFor(() => expect(badge.dataset.status).toBe('online'));
    expect(screen.getByRole('img', { name: 'Online' })).toBe(badge);
    for (const status of ['away', 'busy', 'offline'] as const) {
      act(() => controls.setPresence('grace', { status }));
      await waitFor(() => expect(badge.dataset.status).toBe(status));
    }
    act(() => controls.setPresence('grace', { status: 'invisible' }));
    await waitFor(() => expect(badge.dataset.status).toBe('offline'));
  });

  test('with a label, the text names it; translations replace the words', async () => {
    const { Wrapper } = setup([makeUserView('grace', { presence: makePresence('busy') })]);
    render(<OnlineBadge userId="grace" showLabel labels={{ busy: 'Beschäftigt' }} />, { wrapper: Wrapper });
    expect(await screen.findByText('Beschäftigt')).toBeTruthy();
  });
});

describe('UserAvatar', () => {
  test('loads an https picture; falls back to initials when it breaks', async () => {
    const { Wrapper } = setup([makeUserView('ada', { displayName: 'Ada Lovelace', avatarUrl: 'https://example.com/ada.png' })]);
    const { container } = render(<UserAvatar userId="ada" data-testid="avatar" />, { wrapper: Wrapper });
    const avatar = screen.getByTestId('avatar');
    await waitFor(() => expect(avatar.dataset.state).toBe('image'));
    expect(screen.getByRole('img', { name: 'Ada Lovelace (Online)' })).toBe(avatar);
    fireEvent.error(container.querySelector('img')!);
    expect(avatar.dataset.state).toBe('fallback');
    expect(avatar.textContent).toBe('AL');
  });

  test('loads only http(s) and raster data URLs, even if an unsafe URL got past the protocol checks', async () => {
    const { client } = setup([makeUserView('eve', { displayName: 'Eve' })]);
    const queryClient = new QueryClient();
    render(<UserAvatar userId="eve" data-testid="avatar" />, { wrapper: createPresenceWrapper(client, queryClient) });
    const avatar = screen.getByTestId('avatar');
    await waitFor(() => expect(avatar.dataset.state).toBe('fallback'));
    // The protocol schemas already refuse these; put them in the profile cache directly, as a bug might.
    const key = presenceKeys(client).user('eve');
    const unsafe = ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'data:image/svg+xml,<svg onload=alert(1)>', '//evil.example/x.png'];
    for (const [index, avatarUrl] of unsafe.entries()) {
      act(() => void queryClient.setQueryData(key, makeUserView('eve', { displayName: `Eve ${index}`, avatarUrl })));
      // The new name shows that the avatar rendered this profile.
      await waitFor(() => expect(avatar.getAttribute('aria-label')).toBe(`Eve ${index} (Online)`));
      expect(avatar.dataset.state).toBe('fallback');
      expect(avatar.querySelector('img')).toBeNull();
    }
    act(() => void queryClient.setQueryData(key, makeUserView('eve', { displayName: 'Eve', avatarUrl: 'data:image/png;base64,iVBORw0KGgo=' })));
    await waitFor(() => expect(avatar.dataset.state).toBe('image'));
    expect(avatar.querySelector('img')?.getAttribute('src')).toBe('data:image/png;base64,iVBORw0KGgo=');
  });

  test('initials', () => {
    expect(initialsOf('Grace Brewster Hopper')).toBe('GH');
    expect(initialsOf('  zoë ')).toBe('Z');
    expect(initialsOf('😀 Smile')).toBe('😀S');
  });
});

describe('OnlineList', () => {
  const names = () => screen.getAllByRole('option').map((option) => option.querySelector('.pk-online-list-name')!.textContent);
  const headings = (container: HTMLElement) => [...container.querySelectorAll('.pk-online-list-section')].map((heading) => heading.textContent);

  test('sections by status (online, away, busy, offline) with counts, natural order, every row in a DOM without layout, keyboard across sections', async () => {
    const { Wrapper } = setup([
      makeUserView('u10', { displayName: 'User 10', presence: makePresence('online') }),
      makeUserView('u2', { displayName: 'user 2', presence: makePresence('online') }),
      makeUserView('ada', { displayName: 'Ada', presence: makePresence('busy') }),
      makeUserView('grace', { displayName: 'Grace', presence: makePresence('away') }),
      makeUserView('alan', { displayName: 'Alan', presence: makePresence('offline') }),
    ]);
    const selected: string[] = [];
    const { container } = render(<OnlineList hideCurrentUser onSelect={(id) => selected.push(id)} />, { wrapper: Wrapper });
    const list = await screen.findByRole('listbox', { name: 'People' });
    await waitFor(() => expect(names()).toEqual(['user 2', 'User 10', 'Grace', 'Ada', 'Alan']));
    expect(headings(container)).toEqual(['Online 2', 'Away 1', 'Busy 1', 'Offline 1']);
    // Headings are for the eye: each option names its status, and says where it stands among the people.
    expect(screen.getAllByRole('option')[3]!.textContent).toContain('Busy.');
    expect(screen.getAllByRole('option').map((option) => option.getAttribute('aria-posinset'))).toEqual(['1', '2', '3', '4', '5']);
    // The count is everyone online, as useOnlineUsers says (the current user too), whatever the list hides.
    expect(screen.getByText('5 online')).toBeTruthy();
    for (let i = 0; i < 3; i++) fireEvent.keyDown(list, { key: 'ArrowDown' });
    fireEvent.keyDown(list, { key: 'Enter' });
    expect(selected).toEqual(['ada']);
    expect(list.getAttribute('aria-activedescendant')).toBe(screen.getAllByRole('option')[3]!.id);
  });

  test('a status change moves a person between sections; the signed-in user is marked (you)', async () => {
    const { Wrapper, controls } = setup([makeUserView('grace', { displayName: 'Grace', presence: makePresence('online') })]);
    const { container } = render(<OnlineList showOffline={false} />, { wrapper: Wrapper });
    await waitFor(() => expect(names()).toEqual(['Grace', 'me (you)']));
    act(() => controls.setPresence('grace', { status: 'busy' }));
    await waitFor(() => expect(headings(container)).toEqual(['Online 1', 'Busy 1']));
    expect(names()).toEqual(['me (you)', 'Grace']);
  });

  test('someone who goes offline while watched moves to Offline (not out of the list), and back; counts follow', async () => {
    const { Wrapper, controls } = setup([
      makeUserView('grace', { displayName: 'Grace', presence: makePresence('online') }),
      makeUserView('alan', { displayName: 'Alan', presence: makePresence('offline') }),
    ]);
    const { container } = render(<OnlineList hideCurrentUser />, { wrapper: Wrapper });
    await waitFor(() => expect(names()).toEqual(['Grace', 'Alan']));
    expect(headings(container)).toEqual(['Online 1', 'Offline 1']);
    act(() => controls.setPresence('grace', { status: 'offline' }));
    await waitFor(() => expect(headings(container)).toEqual(['Offline 2']));
    // By name among the offline people, as the directory orders them.
    expect(names()).toEqual(['Alan', 'Grace']);
    act(() => controls.setPresence('grace', { status: 'online' }));
    await waitFor(() => expect(headings(container)).toEqual(['Online 1', 'Offline 1']));
    expect(names()).toEqual(['Grace', 'Alan']);
    act(() => controls.setPresence('alan', { status: 'away' }));
    await waitFor(() => expect(headings(container)).toEqual(['Online 1', 'Away 1']));
    act(() => controls.setPresence('alan', { status: 'offline' }));
    await waitFor(() => expect(headings(container)).toEqual(['Online 1', 'Offline 1']));
    expect(names()).toEqual(['Grace', 'Alan']);
  });

  test('loading shows skeleton rows; a failed load says so in words and retries on request', async () => {
    const { Wrapper } = setup([], { failRequestsWith: 500, latencyMs: 200 });
    const { container } = render(<OnlineList hideCurrentUser />, { wrapper: Wrapper });
    expect(container.querySelectorAll('.pk-online-list-skeleton')).toHaveLength(5);
    const alert = await screen.findByRole('alert', undefined, { timeout: 5000 });
    expect(alert.textContent).toContain('Could not load people.');
    expect(alert.textContent).not.toMatch(/HTTP|500|server-error/);
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    const list = container.querySelector('.pk-online-list')!;
    await waitFor(() => expect(list.getAttribute('data-state')).toBe('loading'));
    await waitFor(() => expect(list.getAttribute('data-state')).toBe('error'), { timeout: 5000 });
  });

  test('a long list loads the virtualizer: only a window of rows is in the DOM', async () => {
    const users = Array.from({ length: 400 }, (_, i) => makeUserView(`user-${String(i).padStart(3, '0')}`, { presence: makePresence('online') }));
    const { Wrapper } = setup(users);
    render(<OnlineList showOffline={false} />, { wrapper: Wrapper });
    await screen.findByText('401 online');
    const list = screen.getByRole('listbox', { name: 'People' });
    // No layout here, so the virtualizer sees a viewport of zero height and renders no more than its overscan.
    await waitFor(() => expect(screen.queryAllByRole('option').length).toBeLessThan(20));
    // 401 people and one heading, shorter than a person's row.
    expect(list.firstElementChild!.getAttribute('style')).toContain(`height: ${401 * 56 + 34}px`);
  });
});

describe('AvatarStack', () => {
  test('shows the first avatars and +N, and one live summary for assistive technology', async () => {
    const names = ['Ada', 'Grace', 'Linus', 'Radia', 'Ken', 'Barbara'];
    const { Wrapper, controls } = setup(names.map((name) => makeUserView(name.toLowerCase(), { displayName: name, presence: makePresence('online') })));
    render(<AvatarStack max={3} hideCurrentUser />, { wrapper: Wrapper });
    const stack = await screen.findByRole('img', { name: 'Ada, Grace, and 4 others online' });
    expect(stack.querySelectorAll('.pk-avatar')).toHaveLength(3);
    expect(stack.querySelector('.pk-avatar-stack-more')!.textContent).toBe('+3');
    // The avatars inside are not announced one by one.
    expect([...stack.querySelectorAll('.pk-avatar')].every((avatar) => avatar.getAttribute('aria-hidden') === 'true')).toBe(true);
    act(() => controls.setPresence('ada', { status: 'offline' }));
    await waitFor(() => expect(stack.getAttribute('aria-label')).toBe('Grace, Linus, and 3 others online'));
    expect(stack.querySelector('.pk-avatar-stack-more')!.textContent).toBe('+2');
  });
});

describe('LastSeen', () => {
  test('words time relative to now in the given locale', () => {
    const now = Date.parse('2026-11-22T12:00:00Z');
    expect(formatLastSeen(now - 5 * 60_000, now, 'en')).toBe('5 minutes ago');
    expect(formatLastSeen(now - 26 * 3600_000, now, 'en')).toBe('yesterday');
    expect(formatLastSeen(now - 5 * 60_000, now, 'fr')).toBe('il y a 5 minutes');
    expect(formatLastSeen(now - 10_000, now, 'en')).toBe('now');
  });

  test('says "Online" while online, "just now" within a minute of leaving, the relative time after; all instances share one timer', async () => {
    const lastOnline = new Date(Date.now() - 3 * 3600_000).toISOString();
    const { Wrapper, controls } = setup([
      makeUserView('grace', { presence: makePresence('offline', { lastOnline }) }),
      makeUserView('linus', { presence: makePresence('online') }),
    ]);
    render(
      <>
        <LastSeen userId="grace" locale="en" data-testid="grace" />
        <LastSeen userId="linus" locale="en" data-testid="linus" />
        <LastSeen userId="grace" locale="de" data-testid="grace-de" />
        <LastSeen userId="linus" locale="fr" onlineText="En ligne" justNowText="à l’instant" data-testid="linus-fr" />
      </>,
      { wrapper: Wrapper },
    );
    await waitFor(() => expect(screen.getByTestId('grace').textContent).toBe('3 hours ago'));
    expect(screen.getByTestId('grace-de').textContent).toBe('vor 3 Stunden');
    expect(screen.getByTestId('grace').getAttribute('datetime')).toBe(lastOnline);
    // Someone here and someone who just left no longer read the same ("now" for both, before).
    expect(screen.getByTestId('linus').textContent).toBe('Online');
    expect(screen.getByTestId('linus-fr').textContent).toBe('En ligne');
    act(() => controls.setPresence('linus', { status: 'offline' }));
    await waitFor(() => expect(screen.getByTestId('linus').textContent).toBe('just now'));
    expect(screen.getByTestId('linus-fr').textContent).toBe('à l’instant');
    expect(activeClockCount()).toBe(1);
    cleanup();
    expect(activeClockCount()).toBe(0);
  });
});

describe('ConnectionStatus', () => {
  test('is quiet while connected and says when reconnecting', async () => {
    const { Wrapper, controls } = setup([]);
    render(<ConnectionStatus data-testid="connection" />, { wrapper: Wrapper });
    const region = screen.getByTestId('connection');
    expect(region.getAttribute('role')).toBe('status');
    await waitFor(() => expect(region.dataset.state).toBe('connected'));
    expect(region.textContent).toBe('');
    act(() => controls.setNetwork('down'));
    await waitFor(() => expect(region.dataset.state).toBe('reconnecting'));
    // Plain words and a spinner; the developer's error text only on request.
    expect(region.textContent).toBe('Reconnecting…');
    expect(region.querySelector('.pk-spinner')).not.toBeNull();
    expect(region.dataset.error).toBe('network');
    act(() => controls.setNetwork('up'));
    await waitFor(() => expect(region.dataset.state).toBe('connected'), { timeout: 3000 });
  });

  test('says "Offline — changes will sync" while the browser has no network, and "Signed out" once the session is revoked', async () => {
    const { Wrapper, controls, client } = setup([]);
    render(<ConnectionStatus data-testid="connection" showDetails />, { wrapper: Wrapper });
    const region = screen.getByTestId('connection');
    await waitFor(() => expect(region.dataset.state).toBe('connected'));
    const onLine = vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    act(() => {
      controls.setNetwork('down');
      window.dispatchEvent(new Event('offline'));
    });
    await waitFor(() => expect(region.textContent).toMatch(/^Offline — changes will sync/));
    expect(region.querySelector('.pk-spinner')).toBeNull();
    onLine.mockReturnValue(true);
    act(() => {
      controls.setNetwork('up');
      window.dispatchEvent(new Event('online'));
    });
    await waitFor(() => expect(region.dataset.state).toBe('connected'), { timeout: 3000 });
    await act(() => client.session.logOut());
    await waitFor(() => expect(region.dataset.state).toBe('disconnected'));
    expect(region.textContent).toBe('Signed out');
  });
});

describe('StatusPicker', () => {
  test('sets availability and message for the current user', async () => {
    const { Wrapper, controls } = setup([]);
    const saved = vi.fn();
    render(<StatusPicker onSaved={saved} />, { wrapper: Wrapper });
    const form = await screen.findByRole('form', { name: 'Set your status' });
    await waitFor(() => expect(form.dataset.status).toBe('online'));
    fireEvent.click(screen.getByRole('radio', { name: /Busy/ }));
    fireEvent.change(screen.getByLabelText('Status message'), { target: { value: '  <b>Deep</b> work  ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(form.dataset.state).toBe('saved'));
    expect(saved).toHaveBeenCalledWith('busy', '<b>Deep</b> work');
    expect(controls.get('me')?.presence).toMatchObject({ status: 'busy', statusMessage: '<b>Deep</b> work' });
    await waitFor(() => expect(form.dataset.status).toBe('busy'));
    fireEvent.click(screen.getByRole('radio', { name: /Invisible/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(form.dataset.status).toBe('invisible'));
  });

  test('an emoji and "clear after" go with the message; a set expiry is shown and kept; Clear message clears all three', async () => {
    const { Wrapper, controls } = setup([]);
    render(<StatusPicker locale="en-GB" />, { wrapper: Wrapper });
    const form = await screen.findByRole('form', { name: 'Set your status' });
    await waitFor(() => expect(form.dataset.status).toBe('online'));
    // Nothing to clear yet: the button says so by being off.
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Clear message' }).disabled).toBe(true);
    const toggle = screen.getByRole('button', { name: 'Add an emoji' });
    fireEvent.click(toggle);
    // "No emoji" is a word, not a symbol.
    expect(screen.getByRole('button', { name: 'None' }).getAttribute('aria-pressed')).toBe('true');
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    const grid = screen.getByRole('group', { name: 'Status emoji' });
    // Escape closes the grid and gives focus back to its button.
    fireEvent.keyDown(grid, { key: 'Escape' });
    expect(screen.queryByRole('group', { name: 'Status emoji' })).toBeNull();
    expect(document.activeElement).toBe(toggle);
    fireEvent.click(toggle);
    fireEvent.click(screen.getByRole('button', { name: '🍔' }));
    expect(screen.getByRole('button', { name: 'Emoji: 🍔. Change emoji' })).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Status message'), { target: { value: 'Lunch' } });
    fireEvent.change(screen.getByLabelText('Clear after'), { target: { value: '30m' } });
    const before = Date.now();
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(form.dataset.state).toBe('saved'));
    const saved = controls.get('me')!.presence!;
    expect(saved).toMatchObject({ statusMessage: 'Lunch', statusEmoji: '🍔' });
    const expiresIn = Date.parse(saved.statusExpiresAt!) - before;
    expect(expiresIn).toBeGreaterThanOrEqual(30 * 60_000);
    expect(expiresIn).toBeLessThan(31 * 60_000);
    // What the server holds is offered as it is, and saving again keeps it.
    const select = screen.getByLabelText<HTMLSelectElement>('Clear after');
    await waitFor(() => expect(select.value).toBe('as-set'));
    expect(select.selectedOptions[0]!.textContent).toMatch(/^As set: /);
    fireEvent.click(screen.getByRole('radio', { name: /Busy/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(controls.get('me')!.presence).toMatchObject({ status: 'busy', statusExpiresAt: saved.statusExpiresAt }));
    // The server holds it before the client has heard the answer: Clear is off while the save is in flight
    // (a click then did nothing, and this test flaked).
    await waitFor(() => expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Clear message' }).disabled).toBe(false));
    fireEvent.click(screen.getByRole('button', { name: 'Clear message' }));
    await waitFor(() => expect(controls.get('me')!.presence).toMatchObject({ statusMessage: null, statusEmoji: null, statusExpiresAt: null }));
    expect(screen.getByRole('button', { name: 'Add an emoji' })).toBeTruthy();
    await waitFor(() => expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Clear message' }).disabled).toBe(true));
  });

  test('"Today" clears at the next local midnight', () => {
    const noon = new Date(2026, 10, 23, 12, 0).getTime();
    expect(expiryOf('today', noon, null)).toBe(new Date(2026, 10, 24, 0, 0).toISOString());
    expect(expiryOf('1h', noon, null)).toBe(new Date(2026, 10, 23, 13, 0).toISOString());
    expect(expiryOf('never', noon, '2026-11-23T15:00:00.000Z')).toBeNull();
    expect(expiryOf('as-set', noon, '2026-11-23T15:00:00.000Z')).toBe('2026-11-23T15:00:00.000Z');
  });
});

describe('user text', () => {
  test('is rendered as text, never as HTML', async () => {
    const { Wrapper } = setup([
      makeUserView('eve', { displayName: '<img src=x onerror=alert(1)>', presence: makePresence('online', { statusMessage: '<script>alert(1)</script>' }) }),
    ]);
    const { container } = render(<UserAvatar userId="eve" />, { wrapper: Wrapper });
    await waitFor(() => expect(container.querySelector('[role="img"]')?.getAttribute('aria-label')).toContain('<img src=x'));
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('script')).toBeNull();
  });
});
