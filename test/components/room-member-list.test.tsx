/** @vitest-environment happy-dom */
// RoomMemberList and useRoomOccupancy against the real server: a small room listed and searched here, a
// large one listed from the server's windows with placeholders and a search on the server, the count exact
// in both modes, keyboard navigation as a listbox.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, test } from 'vitest';
import { RoomAvatars, RoomMemberList } from '../../src/components/index.ts';
import { RoomProvider, useRoomOccupancy } from '../../src/index.ts';
import { createPresenceWrapper, startTestServer, type TestServer } from '../../src/testing/index.ts';

let server: TestServer;
afterEach(async () => {
  cleanup();
  await server?.close();
});

const ROOM = 'hall:1';
const people = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `p${String(i).padStart(2, '0')}`, username: `p${i}`, displayName: `Person ${i}` }));

function Occupancy() {
  const { count, large } = useRoomOccupancy();
  return (
    <p data-testid="occupancy" data-large={large}>
      {String(count)}
    </p>
  );
}

async function setUp(roomAnnounceMax: number, inRoom: number) {
  server = await startTestServer({
    users: [{ id: 'me', username: 'me', displayName: 'Me' }, ...people(12)],
    roomAnnounceMax,
    roomTickMs: 5,
    roomLeaveGraceMs: 0,
  });
  for (const person of people(inRoom)) {
    server.controls.connect(person.id);
    server.controls.enterRoom(person.id, ROOM, {});
  }
  const Wrapper = createPresenceWrapper(server.clientFor('me'));
  render(
    <Wrapper>
      <RoomProvider id={ROOM}>
        <Occupancy />
        <RoomAvatars max={2} />
        <RoomMemberList style={{ height: 400 }} />
      </RoomProvider>
    </Wrapper>,
  );
  const list = await screen.findByRole('listbox');
  const names = () =>
    within(list)
      .getAllByRole('option')
      .map((option) => option.querySelector('.pk-online-list-name')?.textContent ?? 'loading');
  return { list, names };
}

test('a large room: rows from the server’s window, the count exact, a search on the server, arrows move through it', async () => {
  const { list, names } = await setUp(4, 9);
  const occupancy = screen.getByTestId('occupancy');
  await waitFor(() => expect(occupancy.dataset.large).toBe('true'));
  expect(occupancy.textContent).toBe('10');
  await waitFor(() => expect(names()).toEqual(['Me (you)', ...people(9).map((p) => p.displayName)]));
  expect(screen.getByText('10 here')).toBeTruthy();
  // RoomAvatars: the faces held, and the rest from the count.
  expect(screen.getByRole('img', { name: 'Me, Person 0, and 8 others here' })).toBeTruthy();

  // Someone leaves: their row goes, the count follows.
  server.controls.disconnect('p03');
  await waitFor(() => expect(names()).not.toContain('Person 3'));
  await waitFor(() => expect(occupancy.textContent).toBe('9'));

  // Keyboard: the active option moves with the arrows and Home/End.
  list.focus();
  fireEvent.keyDown(list, { key: 'End' });
  await waitFor(() => expect(list.getAttribute('aria-activedescendant')).toMatch(/option-8$/));
  fireEvent.keyDown(list, { key: 'ArrowUp' });
  await waitFor(() => expect(list.getAttribute('aria-activedescendant')).toMatch(/option-7$/));

  // Search runs on the server.
  fireEvent.change(screen.getByRole('searchbox'), { target: { value: 'person 1' } });
  await waitFor(() => expect(names()).toEqual(['Person 1']));
  expect(screen.getByText('9 here')).toBeTruthy();
});

test('a small room is listed and searched here; the count is its members', async () => {
  const { names } = await setUp(100, 3);
  const occupancy = screen.getByTestId('occupancy');
  await waitFor(() => expect(names()).toEqual(['Me (you)', 'Person 0', 'Person 1', 'Person 2']));
  expect(occupancy.textContent).toBe('4');
  expect(occupancy.dataset.large).toBe('false');
  fireEvent.change(screen.getByRole('searchbox'), { target: { value: '2' } });
  await waitFor(() => expect(names()).toEqual(['Person 2']));
});
