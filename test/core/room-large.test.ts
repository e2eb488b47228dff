// The client and a large room: exact occupancy in both modes, only yourself and your window's members held
// while large (never a member shown who is not there), and the whole room again when it is small.
import { afterEach, expect, test } from 'vitest';
import { enterRoom, type PresenceClient, type Room } from '../../src/core/index.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { rest, waitForStatus } from '../helpers.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ROOM = 'hall:1';
const people = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `p${String(i).padStart(2, '0')}`, username: `p${i}`, displayName: `Person ${i}` }));

function until(room: Room, check: () => boolean, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) return resolve();
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${label}`)), 5_000);
    const stop = room.subscribe(() => {
      if (!check()) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}

const others = (room: Room) =>
  room
    .getOthers()
    .map((member) => member.userId)
    .sort();

/** Members the client shows that the server does not have in the room. */
async function wronglyPresent(srv: TestServer, room: Room): Promise<string[]> {
  const occupants = (await rest(srv.httpUrl, `/api/v1/rooms/${encodeURIComponent(ROOM)}`, { token: srv.adminKey })).body.occupants as Array<{ userId: string }>;
  const there = new Set(occupants.map((occupant) => occupant.userId));
  return others(room).filter((id) => !there.has(id));
}

function arrive(srv: TestServer, ids: string[]): void {
  for (const id of ids) {
    srv.controls.connect(id);
    srv.controls.enterRoom(id, ROOM, { here: true });
  }
}

async function connected(srv: TestServer, userId: string): Promise<PresenceClient> {
  const client = srv.clientFor(userId);
  client.connect();
  await waitForStatus(client, 'connected');
  return client;
}

test('the switch both ways never shows a member wrongly present; the count is exact throughout', async () => {
  const srv = (server = await startTestServer({
    users: [{ id: 'ada', username: 'ada', displayName: 'Zed Ada' }, ...people(8)],
    roomAnnounceMax: 4,
    roomTickMs: 5,
    roomLeaveGraceMs: 0,
  }));
  arrive(srv, ['p00', 'p01', 'p02']);
  const ada = await connected(srv, 'ada');
  const room = enterRoom(ada, ROOM);
  await until(room, () => room.getOccupancy().count === 4, 'the small room');
  expect(room.getOccupancy()).toEqual({ count: 4, large: false });
  expect(others(room)).toEqual(['p00', 'p01', 'p02']);
  const window = room.watchMembers({ from: 0, count: 2 });
  await until(room, () => window.get().status === 'ready', 'the window');
  expect(window.get()).toMatchObject({ from: 0, ids: ['p00', 'p01'], total: 4 });
  // Small: the window does not narrow what the client holds.
  expect(others(room)).toEqual(['p00', 'p01', 'p02']);

  // Large: the client keeps only its window's members (and itself).
  arrive(srv, ['p03', 'p04']);
  await until(room, () => room.getOccupancy().large, 'large');
  await until(room, () => room.getOccupancy().count === 6, 'the count');
  expect(others(room)).toEqual(['p00', 'p01']);
  expect(room.getSelf()?.userId).toBe('ada');

  // Someone in the window leaves: the rows shift, the member after comes in, the count follows.
  srv.controls.disconnect('p00');
  await until(room, () => window.get().ids.join() === 'p01,p02', 'the shifted rows');
  expect(others(room)).toEqual(['p01', 'p02']);
  expect(room.getOccupancy()).toEqual({ count: 5, large: true });
  expect(await wronglyPresent(srv, room)).toEqual([]);

  // Scrolled: the members of the rows left behind are let go.
  window.set({ from: 2, count: 2 });
  await until(room, () => window.get().from === 2, 'the moved window');
  expect(window.get().ids).toEqual(['p03', 'p04']);
  expect(others(room)).toEqual(['p03', 'p04']);

  // Back under nine tenths of 4 (3 members): everyone again, exactly.
  srv.controls.disconnect('p03');
  srv.controls.disconnect('p04');
  await until(room, () => !room.getOccupancy().large, 'small again');
  expect(others(room)).toEqual(['p01', 'p02']);
  expect(room.getOccupancy()).toEqual({ count: 3, large: false });
  expect(await wronglyPresent(srv, room)).toEqual([]);
  room.leave();
});

test('entering a room that is already large holds only yourself until a window asks; a search runs on the server', async () => {
  const srv = (server = await startTestServer({
    users: [{ id: 'ada', username: 'ada', displayName: 'Zed Ada' }, ...people(8)],
    roomAnnounceMax: 3,
    roomTickMs: 5,
  }));
  arrive(srv, ['p00', 'p01', 'p02', 'p03', 'p04', 'p05']);
  const ada = await connected(srv, 'ada');
  const room = enterRoom(ada, ROOM);
  const window = room.watchMembers({ from: 0, count: 10, query: 'PERSON 4' });
  await until(room, () => room.getStatus() === 'entered', 'entered');
  expect(room.getOccupancy()).toEqual({ count: 7, large: true });
  await until(room, () => window.get().status === 'ready', 'the rows');
  expect(window.get()).toMatchObject({ ids: ['p04'], total: 1 });
  expect(others(room)).toEqual(['p04']);
  // Closing the window lets its members go at once, and says so.
  let told = 0;
  const stop = room.subscribe(() => told++);
  window.close();
  expect(others(room)).toEqual([]);
  expect(told).toBe(1);
  stop();
  const again = room.watchMembers({ from: 0, count: 10, query: 'PERSON 4' });
  await until(room, () => again.get().status === 'ready', 'the rows again');
  expect(others(room)).toEqual(['p04']);
  // A blocked member is not counted for the blocker, and leaves the rows.
  srv.controls.block('ada', 'p04');
  await until(room, () => again.get().total === 0, 'the rows without p04');
  expect(others(room)).toEqual([]);
  again.set({ from: 0, count: 10 });
  await until(room, () => again.get().total === 6, 'every row');
  expect(room.getOccupancy().count).toBe(6);
  room.leave();
});
