import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';
import { RoomAvatars, RoomMemberList } from '../src/components/index.ts';
import { RoomProvider } from '../src/react/index.ts';
import { makePresence, makeUserView, type MockPresenceControls } from '../src/testing/browser.ts';
import { ME, withMockPresence } from './support.tsx';

const ROOM = 'town-hall:7';

function RoomMemberListStory() {
  return (
    <RoomProvider id={ROOM}>
      <div style={{ display: 'grid', gap: 12, width: 360 }}>
        <RoomAvatars max={4} />
        <RoomMemberList style={{ height: 420 }} />
      </div>
    </RoomProvider>
  );
}

function seat(controls: MockPresenceControls, ids: string[]): void {
  for (const id of ids) controls.setRoomPresence(ROOM, id, {});
}

const meta = {
  title: 'Rooms/RoomMemberList',
  component: RoomMemberListStory,
  decorators: [withMockPresence({}, (controls) => seat(controls, ['ada', 'grace', 'margaret']))],
  parameters: {
    docs: {
      description: {
        component:
          'Who is in a room, by name: a small room listed and searched in the browser; a large one (past the server’s roomAnnounceMax) from the server’s windows, with an exact count.',
      },
    },
  },
} satisfies Meta<typeof RoomMemberListStory>;

export default meta;
type Story = StoryObj<typeof meta>;

/** A small room: you, Ada, Grace and Margaret. */
export const SmallRoom: Story = {
  play: async ({ canvasElement }) => {
    const list = await within(canvasElement).findByRole('listbox', { name: 'In this room' });
    await waitFor(() => expect(within(canvasElement).getByText('4 here')).toBeTruthy());
    await waitFor(() => expect(within(list).getAllByRole('option')).toHaveLength(4));
  },
};

const FIRST = ['Ada', 'Grace', 'Margaret', 'Katherine', 'Barbara', 'Frances', 'Hedy', 'Radia', 'Sophie', 'Joan'];
const LAST = ['Lovelace', 'Hopper', 'Hamilton', 'Johnson', 'Liskov', 'Allen', 'Lamarr', 'Perlman', 'Wilson', 'Clarke'];
const tenThousand = () =>
  Array.from({ length: 10_000 }, (_, i) =>
    makeUserView(`member-${String(i).padStart(5, '0')}`, {
      displayName: `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]} ${i}`,
      presence: makePresence(i % 5 === 0 ? 'away' : 'online'),
    }),
  );

/**
 * A 10,000-person room: large (past roomAnnounceMax 100), so the client holds only the rows in view and
 * 40 either side, asked of the server as you scroll; the count is exact.
 */
export const TenThousandPeopleRoom: Story = {
  decorators: [
    withMockPresence(
      () => ({ users: [ME, ...tenThousand()], roomAnnounceMax: 100 }),
      (controls) =>
        seat(
          controls,
          Array.from({ length: 10_000 }, (_, i) => `member-${String(i).padStart(5, '0')}`),
        ),
    ),
  ],
  play: async ({ canvasElement }) => {
    const list = await within(canvasElement).findByRole('listbox', { name: 'In this room' }, { timeout: 10_000 });
    await waitFor(() => expect(within(canvasElement).getByText('10001 here')).toBeTruthy(), { timeout: 10_000 });
    await waitFor(() => expect(list.querySelectorAll('.pk-online-list-name').length).toBeGreaterThan(3));
    await expect(within(list).getAllByRole('option').length).toBeLessThan(40);
    // Far down: the window follows, and the rows there get their people.
    list.scrollTop = 200_000;
    await waitFor(() => expect(within(list).getAllByRole('option')[0]?.getAttribute('id')).not.toMatch(/-option-0$/));
    await waitFor(() => expect(list.querySelectorAll('[aria-busy="true"]').length).toBe(0), { timeout: 5_000 });
    await expect(list.querySelectorAll('.pk-online-list-name').length).toBeGreaterThan(3);
  },
};
