import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, userEvent, waitFor, within } from 'storybook/test';
import { OnlineList, UserCard } from '../src/components/index.ts';
import type { PresenceStatus } from '../src/core/index.ts';
import { makePresence, makeUserView } from '../src/testing/browser.ts';
import { ME, withMockPresence } from './support.tsx';

const meta = {
  title: 'Components/OnlineList',
  component: OnlineList,
  decorators: [withMockPresence()],
  args: { label: 'People', searchable: true, showOffline: true, hideCurrentUser: false, onSelect: fn(), style: { height: 460, maxWidth: 420 } },
} satisfies Meta<typeof OnlineList>;

export default meta;
type Story = StoryObj<typeof meta>;

export const Default: Story = {
  play: async ({ canvasElement }) => {
    const list = await within(canvasElement).findByRole('listbox', { name: 'People' });
    // Online first, by name: Ada, Barbara, Frances (away), Grace (busy)...
    await waitFor(() => expect(within(list).getAllByRole('option')[0]?.textContent).toContain('Ada Lovelace'));
  },
};

/** With `card={UserCard}`, the active person's card shows after a moment (here reached with the arrow keys). */
export const WithCards: Story = {
  args: { card: UserCard },
  play: async ({ canvasElement }) => {
    const list = await within(canvasElement).findByRole('listbox', { name: 'People' });
    await waitFor(() => expect(within(list).getAllByRole('option').length).toBeGreaterThan(5));
    list.focus();
    await userEvent.keyboard('{ArrowDown}');
    await waitFor(() => expect(list.querySelector('.pk-online-list-card .pk-card-name')?.textContent).toBe('Barbara Liskov'));
    await expect(within(list).getAllByRole('option')[1]!.getAttribute('aria-describedby')).toBeTruthy();
  },
};

/** Typing filters the list; arrow keys move through it and Enter chooses. */
export const SearchAndKeyboard: Story = {
  play: async ({ canvasElement, args }) => {
    const canvas = within(canvasElement);
    const list = await canvas.findByRole('listbox', { name: 'People' });
    await waitFor(() => expect(within(list).getAllByRole('option').length).toBeGreaterThan(5));
    await userEvent.type(canvas.getByRole('searchbox', { name: 'Search people' }), 'gra');
    await waitFor(() =>
      expect(
        within(list)
          .getAllByRole('option')
          .map((option) => option.textContent),
      ).toEqual([expect.stringContaining('Grace Hopper')]),
    );
    await userEvent.clear(canvas.getByRole('searchbox', { name: 'Search people' }));
    await waitFor(() => expect(within(list).getAllByRole('option').length).toBeGreaterThan(5));
    list.focus();
    await userEvent.keyboard('{ArrowDown}{ArrowDown}{Enter}');
    await expect(args.onSelect).toHaveBeenCalledTimes(1);
    await expect(list.getAttribute('aria-activedescendant')).toBeTruthy();
  },
};

export const NoMatches: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.type(canvas.getByRole('searchbox', { name: 'Search people' }), 'zzz');
    await expect(await canvas.findByText('No one matches “zzz”')).toBeTruthy();
  },
};

export const Empty: Story = {
  args: { hideCurrentUser: true },
  decorators: [withMockPresence({ users: [ME] })],
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByText('No one here yet')).toBeTruthy();
  },
};

export const Loading: Story = {
  args: { hideCurrentUser: true },
  decorators: [withMockPresence({ users: [ME], latencyMs: 60_000 })],
};

export const LoadError: Story = {
  args: { hideCurrentUser: true },
  decorators: [withMockPresence({ users: [ME], failRequestsWith: 500 })],
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByText(/Could not load people/, undefined, { timeout: 10_000 })).toBeTruthy();
  },
};

const FIRST = [
  'Ada',
  'Grace',
  'Alan',
  'Margaret',
  'Linus',
  'Barbara',
  'Dennis',
  'Frances',
  'Ken',
  'Radia',
  'Tim',
  'Hedy',
  'Guido',
  'Katherine',
  'Edsger',
  'Annie',
];
const LAST = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Hamilton',
  'Torvalds',
  'Liskov',
  'Ritchie',
  'Allen',
  'Thompson',
  'Perlman',
  'Lee',
  'Lamarr',
  'Rossum',
  'Johnson',
  'Dijkstra',
  'Easley',
];
const STATUSES: PresenceStatus[] = ['online', 'online', 'away', 'busy', 'offline'];

const tenThousand = () => [
  ME,
  ...Array.from({ length: 10_000 }, (_, i) =>
    makeUserView(`user-${String(i).padStart(5, '0')}`, {
      displayName: `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]} ${i}`,
      presence: makePresence(STATUSES[i % STATUSES.length]!, { statusMessage: i % 7 === 0 ? 'Heads down' : null }),
    }),
  ),
];

/** 10,000 people, 8,000 of them online: virtualized, so it scrolls smoothly. */
export const TenThousandUsers: Story = {
  decorators: [withMockPresence(() => ({ users: tenThousand() }))],
  play: async ({ canvasElement }) => {
    const list = await within(canvasElement).findByRole('listbox', { name: 'People' });
    await waitFor(() => expect(within(canvasElement).getByText('8001 online')).toBeTruthy(), { timeout: 10_000 });
    // Only what is visible is in the DOM.
    await expect(within(list).getAllByRole('option').length).toBeLessThan(40);
    list.scrollTop = 200_000;
    await waitFor(() => expect(within(list).getAllByRole('option')[0]?.getAttribute('id')).not.toMatch(/-option-0$/));
  },
};

/**
 * The same 10,000 people from a server whose list is large (past its `announceMax`, 100 here as by
 * default): the sections' counts come from the server, and the people of the rows in view (and some either
 * side) from a window that follows the scroll, so the client holds a few hundred people, not 8,000.
 */
export const TenThousandUsersLargeList: Story = {
  decorators: [withMockPresence(() => ({ users: tenThousand(), announceMax: 100 }))],
  play: async ({ canvasElement }) => {
    const list = await within(canvasElement).findByRole('listbox', { name: 'People' });
    await waitFor(() => expect(within(canvasElement).getByText('8001 online')).toBeTruthy(), { timeout: 10_000 });
    await waitFor(() => expect(list.querySelectorAll('.pk-online-list-name').length).toBeGreaterThan(3));
    await expect(within(list).getAllByRole('option').length).toBeLessThan(40);
    // Far down: the window follows, and the rows there get their people.
    list.scrollTop = 200_000;
    await waitFor(() => expect(within(list).getAllByRole('option')[0]?.getAttribute('id')).not.toMatch(/-option-0$/));
    await waitFor(() => expect(list.querySelectorAll('[aria-busy="true"]').length).toBe(0), { timeout: 5_000 });
    await expect(list.querySelectorAll('.pk-online-list-name').length).toBeGreaterThan(3);
  },
};

export const LongNames: Story = {
  decorators: [
    withMockPresence({
      users: [
        ME,
        makeUserView('long-1', {
          displayName: 'Maria Magdalena Anna Gräfin von Hohenberg-Schillingsfürst',
          presence: makePresence('online', { statusMessage: 'Presenting the quarterly roadmap to the whole company, back at three' }),
        }),
        makeUserView('long-2', { displayName: 'Wolfeschlegelsteinhausenbergerdorff Hubert Blaine', presence: makePresence('busy') }),
      ],
    }),
  ],
};

/** The dark theme: the same variables, dark values (data-theme="dark" on an ancestor, or the OS setting). */
export const DarkTheme: Story = {
  globals: { theme: 'dark' },
  play: async ({ canvasElement }) => {
    const list = canvasElement.querySelector<HTMLElement>('.pk-online-list')!;
    // rgb(13, 17, 23): the dark surface, not white.
    await expect(getComputedStyle(list).backgroundColor).toBe('rgb(13, 17, 23)');
  },
};
