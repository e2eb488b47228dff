/** @vitest-environment happy-dom */
// UserCard, its popover from an avatar, and MyStatus (the signed-in user with the picker in a popover).
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { MyStatus, OnlineList, UserAvatar, UserCard, UserCardPopover, localTimeOf } from '../../src/components/index.ts';
import { createMockPresence, createPresenceWrapper, makePresence, makeUserView } from '../../src/testing/browser.ts';

afterEach(() => cleanup());

function setup(users: Parameters<typeof createMockPresence>[0]['users']) {
  const mock = createMockPresence({ users, me: 'me' });
  return { ...mock, Wrapper: createPresenceWrapper(mock.client) };
}

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

describe('UserCard', () => {
  test('shows name, handle, status with message, emoji and until, and local time; offline, when last seen instead of the message', async () => {
    const { Wrapper, controls } = setup([
      makeUserView('grace', {
        displayName: 'Grace Hopper',
        username: 'grace',
        presence: makePresence('busy', { statusMessage: 'Compiling <b>A-0</b>', statusEmoji: '🚀', statusExpiresAt: inAnHour(), utcOffset: 5.5 }),
      }),
    ]);
    const { container } = render(<UserCard userId="grace" locale="en-GB" data-testid="card" />, { wrapper: Wrapper });
    const card = screen.getByTestId('card');
    await waitFor(() => expect(card.dataset.status).toBe('busy'));
    expect(card.querySelector('.pk-card-name')!.textContent).toBe('Grace Hopper');
    expect(card.querySelector('.pk-card-handle')!.textContent).toBe('@grace');
    // User text is text, never markup.
    // An hour from now may be tomorrow (a run near midnight): then the day is named before the time.
    expect(card.querySelector('.pk-card-message')!.textContent).toMatch(/^🚀 Compiling <b>A-0<\/b> · until (\p{L}{3} )?\d{2}:\d{2}$/u);
    expect(container.querySelector('b')).toBeNull();
    expect(card.querySelector('.pk-card-time')!.textContent).toBe(`${localTimeOf(5.5, Date.now(), 'en-GB')} local time`);
    act(() => controls.setPresence('grace', { status: 'offline' }));
    await waitFor(() => expect(card.dataset.status).toBe('offline'));
    expect(card.querySelector('.pk-card-message')).toBeNull();
    expect(card.querySelector('.pk-card-status')!.textContent).toBe('Offline · last seen just now');
  });

  test('local time follows the offset, fractional ones included', () => {
    const noonUtc = Date.parse('2026-12-05T12:00:00Z');
    expect(localTimeOf(5.75, noonUtc, 'en-GB')).toBe('17:45');
    expect(localTimeOf(-8, noonUtc, 'en-GB')).toBe('04:00');
    expect(localTimeOf(null, noonUtc, 'en-GB')).toBeNull();
  });
});

describe('UserCardPopover', () => {
  test('opens from the avatar by click or Enter as a dialog named after the person; Escape closes it and focus returns', async () => {
    const { Wrapper } = setup([makeUserView('grace', { displayName: 'Grace Hopper', presence: makePresence('online') })]);
    render(
      <UserCardPopover userId="grace">
        <UserAvatar userId="grace" />
      </UserCardPopover>,
      { wrapper: Wrapper },
    );
    const trigger = await screen.findByRole('button', { name: 'Grace Hopper (Online)' });
    expect(trigger.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(trigger);
    const dialog = screen.getByRole('dialog', { name: 'Profile of Grace Hopper' });
    expect(trigger.getAttribute('aria-controls')).toBe(dialog.id);
    expect(dialog.querySelector('.pk-card-name')!.textContent).toBe('Grace Hopper');
    trigger.focus();
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(trigger);
    // A click outside closes it too.
    fireEvent.click(trigger);
    expect(screen.getByRole('dialog')).toBeTruthy();
    fireEvent.pointerDown(document.body);
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});

describe('MyStatus', () => {
  test('shows the signed-in user and their status; the button opens the picker, which closes once saved with focus back', async () => {
    const { Wrapper, controls } = setup([]);
    render(<MyStatus data-testid="me" />, { wrapper: Wrapper });
    const root = screen.getByTestId('me');
    await waitFor(() => expect(root.dataset.status).toBe('online'));
    const button = screen.getByRole('button', { name: /me.*Online/ });
    fireEvent.click(button);
    const dialog = screen.getByRole('dialog', { name: 'Set your status' });
    fireEvent.click(screen.getByRole('radio', { name: /Busy/ }));
    fireEvent.change(screen.getByLabelText('Status message'), { target: { value: 'Heads down' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(dialog.isConnected).toBe(false);
    expect(document.activeElement).toBe(button);
    await waitFor(() => expect(root.dataset.status).toBe('busy'));
    expect(button.textContent).toContain('Busy · Heads down');
    expect(controls.get('me')?.presence).toMatchObject({ status: 'busy', statusMessage: 'Heads down' });
  });
});

describe('OnlineList card', () => {
  test('the active row’s card shows after a moment (arrow keys or pointer), described by it; Escape hides it', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const { Wrapper } = setup([
        makeUserView('ada', { displayName: 'Ada', presence: makePresence('online', { statusMessage: 'Engine notes' }) }),
        makeUserView('grace', { displayName: 'Grace', presence: makePresence('online') }),
      ]);
      render(<OnlineList card={UserCard} hideCurrentUser />, { wrapper: Wrapper });
      const list = await screen.findByRole('listbox', { name: 'People' });
      await waitFor(() => expect(screen.getAllByRole('option')).toHaveLength(2));
      fireEvent.focus(list);
      await act(async () => vi.advanceTimersByTime(450));
      const card = await waitFor(() => {
        const found = list.querySelector<HTMLElement>('.pk-online-list-card');
        expect(found).not.toBeNull();
        return found!;
      });
      expect(card.textContent).toContain('Engine notes');
      expect(screen.getAllByRole('option')[0]!.getAttribute('aria-describedby')).toBe(card.id);
      fireEvent.keyDown(list, { key: 'ArrowDown' });
      await act(async () => vi.advanceTimersByTime(450));
      await waitFor(() => expect(list.querySelector('.pk-online-list-card .pk-card-name')?.textContent).toBe('Grace'));
      expect(screen.getAllByRole('option')[0]!.getAttribute('aria-describedby')).toBeNull();
      fireEvent.keyDown(list, { key: 'Escape' });
      expect(list.querySelector('.pk-online-list-card')).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  test('without `card` no card ever shows', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const { Wrapper } = setup([makeUserView('ada', { displayName: 'Ada', presence: makePresence('online') })]);
      render(<OnlineList hideCurrentUser />, { wrapper: Wrapper });
      const list = await screen.findByRole('listbox', { name: 'People' });
      fireEvent.focus(list);
      await act(async () => vi.advanceTimersByTime(1_000));
      expect(list.querySelector('.pk-online-list-card')).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });
});
