// Lanes: tabs sharing one socket (issue 22) are each a connection of their own in a room. The tab holding
// the socket names the tab in room frames (`lane`); the server keeps them apart, and closing the socket
// takes every lane out.
import { afterEach, expect, test } from 'vitest';
import { ROOM_LIMITS } from '../../src/core/protocol/index.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { openRawSocket, type RawSocket } from '../helpers.ts';

let server: TestServer | undefined;
const sockets: RawSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.ws.terminate();
  await server?.close();
  server = undefined;
});

async function open(srv: TestServer, userId: string): Promise<RawSocket> {
  const socket = await openRawSocket(srv.wsUrl, srv.mintTokens(userId).accessToken);
  sockets.push(socket);
  return socket;
}

let rid = 0;
async function enter(socket: RawSocket, room: string, lane?: string, presence: unknown = null) {
  const asked = ++rid;
  socket.send({ type: 'room-enter', rid: asked, room, presence, ...(lane === undefined ? {} : { lane }) });
  // The answer is a `room` or an `error`.
  const answered = () => socket.received.find((message) => (message.type === 'room' || message.type === 'error') && message.rid === asked);
  await expect.poll(answered).toBeDefined();
  return answered()!;
}

/** Ada's connections in `room` as `observer` was last told (room answer or updates, in order). */
function adaIn(observer: RawSocket, room: string) {
  let connections: string[] | null = null;
  for (const message of observer.received) {
    if ((message.type === 'room' || message.type === 'room-update') && message.room === room) {
      const ada = message.members.find((member) => member.userId === 'ada');
      if (ada) connections = ada.connections.map((connection) => connection.id);
      if (message.type === 'room-update' && message.left.includes('ada')) connections = null;
    }
  }
  return connections;
}

test('two lanes of one socket are two connections of one member; a broadcast from one reaches others, not the socket; leaving one keeps the other', async () => {
  const srv = (server = await startTestServer({ users: ['ada', 'grace'], roomTickMs: 10 }));
  const grace = await open(srv, 'grace');
  await enter(grace, 'doc:1');
  const ada = await open(srv, 'ada');
  const first = await enter(ada, 'doc:1', 'tab-a', { cursor: 1 });
  const second = await enter(ada, 'doc:1', 'tab-b', { cursor: 2 });
  expect(first.type === 'room' && first.self).toMatch(/#tab-a$/);
  expect(second.type === 'room' && second.self).toMatch(/#tab-b$/);
  await expect.poll(() => adaIn(grace, 'doc:1')?.length).toBe(2);
  expect(adaIn(grace, 'doc:1')!.sort()).toEqual([first.type === 'room' && first.self, second.type === 'room' && second.self].sort());

  // A lane not in the room may not speak there, even on a socket whose other lane is.
  ada.send({ type: 'room-presence', room: 'doc:1', presence: { cursor: 3 }, lane: 'tab-c' });
  await ada.next('error', (message) => message.code === 'forbidden');

  ada.send({ type: 'room-broadcast', room: 'doc:1', event: { hello: 1 }, lane: 'tab-a' });
  const event = await grace.next('room-event');
  expect(event).toMatchObject({ room: 'doc:1', userId: 'ada', event: { hello: 1 } });
  // Grace's broadcast reaches ada's socket once (the tab holding it hands it to its lanes); ada's own never comes back.
  grace.send({ type: 'room-broadcast', room: 'doc:1', event: { back: 1 } });
  await ada.next('room-event', (message) => (message.event as { back?: number }).back === 1);
  // (`next` took grace's event: whatever room event is left would be ada's own, come back.)
  expect(ada.received.filter((message) => message.type === 'room-event')).toEqual([]);

  // One lane leaves: the member stays, with one connection.
  ada.send({ type: 'room-leave', rid: ++rid, room: 'doc:1', lane: 'tab-a' });
  await expect.poll(() => adaIn(grace, 'doc:1')).toEqual([second.type === 'room' && second.self]);
  // The socket still hears of the room through its other lane.
  grace.send({ type: 'room-broadcast', room: 'doc:1', event: { again: 1 } });
  await ada.next('room-event', (message) => (message.event as { again?: number }).again === 1);
});

test('closing the socket takes every lane out of every room: one leave, after the grace', async () => {
  const srv = (server = await startTestServer({ users: ['ada', 'grace'], roomLeaveGraceMs: 100, roomTickMs: 10 }));
  const grace = await open(srv, 'grace');
  await enter(grace, 'doc:1');
  await enter(grace, 'doc:2');
  const ada = await open(srv, 'ada');
  await enter(ada, 'doc:1', 'a');
  await enter(ada, 'doc:1', 'b');
  await enter(ada, 'doc:2', 'b');
  await expect.poll(() => [adaIn(grace, 'doc:1')?.length, adaIn(grace, 'doc:2')?.length]).toEqual([2, 1]);
  ada.ws.close();
  await expect.poll(() => [adaIn(grace, 'doc:1'), adaIn(grace, 'doc:2')]).toEqual([null, null]);
  const leaves = grace.received.filter((message) => message.type === 'room-update' && message.left.includes('ada'));
  expect(leaves.map((message) => message.type === 'room-update' && message.room).sort()).toEqual(['doc:1', 'doc:2']);
  // Reconnected, the same lane names are new connections, in cleanly.
  const again = await open(srv, 'ada');
  expect((await enter(again, 'doc:1', 'a')).type).toBe('room');
  await expect.poll(() => adaIn(grace, 'doc:1')?.length).toBe(1);
});

test('a lane is 1-16 letters, digits, _ or -; at most ROOM_LIMITS.lanes of one socket in a room', async () => {
  const srv = (server = await startTestServer({ users: ['ada'] }));
  const ada = await open(srv, 'ada');
  for (const lane of ['', 'x'.repeat(17), 'a#b', 'a/b', 'é', 7, null, { a: 1 }]) {
    const answer = await enter(ada, 'doc:1', lane as string);
    expect(answer).toMatchObject({ type: 'error', code: 'invalid-input' });
  }
  for (let i = 0; i < ROOM_LIMITS.lanes; i++) expect((await enter(ada, 'doc:1', `lane-${i}`)).type).toBe('room');
  expect(await enter(ada, 'doc:1', 'one-more')).toMatchObject({ type: 'error', code: 'limit-exceeded' });
  // Entering again with a lane already in is a presence change, not one more.
  expect((await enter(ada, 'doc:1', 'lane-3', { cursor: 9 })).type).toBe('room');
});
