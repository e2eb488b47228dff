// Large rooms: past a room's announceMax its watchers get its count, their own member and the members in
// their window; windows are told of changes inside their rows only; counts are exact and never count a
// member hidden from the viewer (a block either way, invisibility); back under, everyone again.
import { afterEach, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { openRawSocket, rest, type AnyServerMessage, type RawSocket } from '../helpers.ts';

let server: TestServer | undefined;
const sockets: RawSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.ws.terminate();
  await server?.close();
  server = undefined;
});

/** People named so that a room's order is p00, p01, ... */
const people = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `p${String(i).padStart(2, '0')}`, username: `p${i}`, displayName: `Person ${i}` }));
const ROOM = 'hall:1';
let rid = 0;

async function setUp(announceMax: number | ((room: string) => number)) {
  const srv = (server = await startTestServer({
    users: [{ id: 'ada', username: 'ada', displayName: 'Zed Ada' }, ...people(12)],
    roomAnnounceMax: announceMax,
    roomTickMs: 5,
    roomLeaveGraceMs: 0,
  }));
  return srv;
}

async function open(srv: TestServer, userId: string): Promise<RawSocket> {
  const socket = await openRawSocket(srv.wsUrl, srv.mintTokens(userId).accessToken);
  sockets.push(socket);
  return socket;
}

async function enter(socket: RawSocket, room = ROOM) {
  const asked = ++rid;
  socket.send({ type: 'room-enter', rid: asked, room, presence: { n: 0 } });
  return socket.next('room', (message) => message.rid === asked);
}

async function leave(socket: RawSocket, room = ROOM) {
  const asked = ++rid;
  socket.send({ type: 'room-leave', rid: asked, room });
  await socket.next('ack', (message) => message.rid === asked);
}

async function window(socket: RawSocket, from: number, count: number, query?: string) {
  const asked = ++rid;
  socket.send({ type: 'room-window', rid: asked, room: ROOM, from, count, ...(query ? { query } : {}) });
  return socket.next('room-rows', (message) => message.rid === asked);
}

/** Everyone in `ids` in the room, each on a socket of their own. */
async function fill(srv: TestServer, ids: string[]): Promise<Map<string, RawSocket>> {
  const inRoom = new Map<string, RawSocket>();
  for (const id of ids) {
    const socket = await open(srv, id);
    await enter(socket);
    inRoom.set(id, socket);
  }
  return inRoom;
}

async function settle(socket: RawSocket): Promise<void> {
  const t = Math.random();
  socket.send({ type: 'ping', t });
  await socket.next('pong', (message) => message.t === t);
}

const about = (message: AnyServerMessage, userId: string) =>
  (message.type === 'room-update' && (message.members.some((m) => m.userId === userId) || message.left.includes(userId))) ||
  (message.type === 'room-rows' && message.members.some((m) => m.userId === userId));

test('past announceMax the watchers are told first, then hear only of themselves and their window; back under, the whole room again', async () => {
  const srv = await setUp(4);
  const ada = await open(srv, 'ada');
  const inRoom = await fill(srv, ['p00', 'p01', 'p02']);
  const answer = await enter(ada);
  expect(answer.large).toBeUndefined();
  expect(answer.members.map((m) => m.userId).sort()).toEqual(['ada', 'p00', 'p01', 'p02']);

  // The fifth member makes it large: the count comes before anything about them.
  inRoom.set('p03', await open(srv, 'p03'));
  await enter(inRoom.get('p03')!);
  const switched = await ada.next('room-count');
  expect(switched).toEqual({ type: 'room-count', room: ROOM, count: 5, large: true });
  await settle(ada);
  expect(ada.received.filter((message) => about(message, 'p03'))).toEqual([]);

  // A window: rows 1-2 of the order (ada, "Zed Ada", sorts last).
  const rows = await window(ada, 1, 2);
  expect(rows).toMatchObject({ room: ROOM, from: 1, ids: ['p01', 'p02'], total: 5, count: 5 });
  expect(rows.members.map((m) => m.userId)).toEqual(['p01', 'p02']);

  // A change outside the window is not told; inside it is, with the member whole.
  inRoom.get('p00')!.send({ type: 'room-presence', room: ROOM, presence: { n: 1 } });
  inRoom.get('p01')!.send({ type: 'room-presence', room: ROOM, presence: { n: 2 } });
  const inside = await ada.next('room-rows');
  expect(inside.ids).toEqual(['p01', 'p02']);
  expect(inside.members).toEqual([expect.objectContaining({ userId: 'p01', presence: { n: 2 } })]);
  await settle(inRoom.get('p00')!);
  await settle(ada);
  expect(ada.received.filter((message) => about(message, 'p00'))).toEqual([]);

  // Ada's own member is always hers to hear of: in her window's frame when it has one that tick.
  ada.send({ type: 'room-presence', room: ROOM, presence: { n: 3 } });
  const self = await ada.next('room-rows', (message) => about(message, 'ada'));
  expect(self.ids).toEqual(['p01', 'p02']);
  expect(self.members).toEqual([expect.objectContaining({ userId: 'ada', presence: { n: 3 } })]);

  // p00 leaves: the rows shift (p02 moves into row 1), and the count follows within a second.
  await leave(inRoom.get('p00')!);
  const shifted = await ada.next('room-rows', (message) => message.ids[0] === 'p02');
  expect(shifted.ids).toEqual(['p02', 'p03']);
  expect(shifted.members.map((m) => m.userId)).toEqual(['p03']);
  expect(await ada.next('room-count')).toEqual({ type: 'room-count', room: ROOM, count: 4, large: true });

  // Back under nine tenths of 4 (3 members): the whole room, then the mode.
  await leave(inRoom.get('p01')!);
  const full = await ada.next('room-update', (message) => message.full === true);
  expect(full.members.map((m) => m.userId).sort()).toEqual(['ada', 'p02', 'p03']);
  expect(await ada.next('room-count', (message) => !message.large)).toEqual({ type: 'room-count', room: ROOM, count: 3, large: false });
  // Small again: every change to everyone.
  inRoom.get('p02')!.send({ type: 'room-presence', room: ROOM, presence: { n: 9 } });
  const small = await ada.next('room-update', (message) => message.members.some((m) => m.userId === 'p02' && (m.presence as { n: number }).n === 9));
  expect(small.members.map((m) => m.userId)).toEqual(['p02']);
});

test('entering a large room lists only yourself, with the count; the threshold is per room', async () => {
  const srv = await setUp((room) => (room === ROOM ? 2 : 100));
  await fill(srv, ['p00', 'p01', 'p02']);
  const ada = await open(srv, 'ada');
  const answer = await enter(ada);
  expect(answer).toMatchObject({ large: true, count: 4 });
  expect(answer.members.map((m) => m.userId)).toEqual(['ada']);
  // Another room with the same people is small.
  const others = await Promise.all(['p00', 'p01', 'p02'].map((id) => open(srv, id)));
  for (const socket of others) await enter(socket, 'hall:2');
  const small = await enter(ada, 'hall:2');
  expect(small.large).toBeUndefined();
  expect(small.members).toHaveLength(4);
});

test('counts and rows never show a member hidden from the viewer: blocks either way, invisibility; a search is on the server', async () => {
  const srv = await setUp(2);
  const inRoom = await fill(srv, ['p00', 'p01', 'p02', 'p03']);
  const ada = await open(srv, 'ada');
  expect(await enter(ada)).toMatchObject({ count: 5 });
  expect((await window(ada, 0, 10)).ids).toEqual(['p00', 'p01', 'p02', 'p03', 'ada']);

  // ada blocks p01; p02 blocks ada. Neither is counted or listed for ada; p03 still counts everyone.
  const watcher = inRoom.get('p03')!;
  srv.controls.block('ada', 'p01');
  srv.controls.block('p02', 'ada');
  const hidden = await ada.next('room-rows', (message) => message.ids.length === 3);
  expect(hidden).toMatchObject({ ids: ['p00', 'p03', 'ada'], total: 3, count: 3 });
  expect(await ada.next('room-count', (message) => message.count === 3)).toMatchObject({ large: true });
  expect((await window(watcher, 0, 10)).ids).toEqual(['p00', 'p01', 'p02', 'p03', 'ada']);

  // p00 goes invisible: out of every count and row, for everyone.
  inRoom.get('p00')!.send({ type: 'set-presence', rid: ++rid, patch: { status: 'invisible' } });
  const gone = await ada.next('room-rows', (message) => !message.ids.includes('p00'));
  expect(gone).toMatchObject({ ids: ['p03', 'ada'], count: 2 });
  expect((await window(watcher, 0, 10)).ids).toEqual(['p01', 'p02', 'p03', 'ada']);
  const counted = await watcher.next('room-count', (message) => message.count === 4);
  expect(counted.large).toBe(true);

  // A search matches names and usernames on the server, among what the viewer may see.
  expect(await window(watcher, 0, 10, 'PERSON 0')).toMatchObject({ ids: [], total: 0 });
  expect(await window(watcher, 0, 10, 'p3')).toMatchObject({ ids: ['p03'], total: 1 });
  expect(await window(ada, 0, 10, 'person')).toMatchObject({ ids: ['p03'], total: 1 });
  // Every frame ada got: nothing ever named p01, p02 after the blocks or p00 after it went invisible.
  const named = ada.received.filter((message) => about(message, 'p01') || about(message, 'p02') || about(message, 'p00'));
  expect(named).toEqual([]);
});

test('a window is refused outside the room, renames move rows, and a window ends with its lane', async () => {
  const srv = await setUp(2);
  await fill(srv, ['p00', 'p01', 'p02']);
  const ada = await open(srv, 'ada');
  const asked = ++rid;
  ada.send({ type: 'room-window', rid: asked, room: ROOM, from: 0, count: 5 });
  expect(await ada.next('error', (message) => message.rid === asked)).toMatchObject({ code: 'forbidden' });
  await enter(ada);
  expect((await window(ada, 0, 2)).ids).toEqual(['p00', 'p01']);
  const renamed = await rest(srv.httpUrl, '/api/v1/users/p00', { method: 'PATCH', token: srv.adminKey, json: { displayName: 'Zzz' } });
  expect(renamed.status).toBe(200);
  expect((await ada.next('room-rows', (message) => message.ids[0] !== 'p00')).ids).toEqual(['p01', 'p02']);
  await leave(ada);
  const count = ada.received.length;
  await rest(srv.httpUrl, '/api/v1/users/p01', { method: 'PATCH', token: srv.adminKey, json: { displayName: 'Zzzz' } });
  await settle(ada);
  expect(ada.received.slice(count).filter((message) => message.type.startsWith('room'))).toEqual([]);
});

test('one frame a tick: many changes in the window within a tick reach a watcher as few room-rows, each with the latest', async () => {
  const srv = await setUp(2);
  const inRoom = await fill(srv, ['p00', 'p01', 'p02', 'p03']);
  const watchers = await Promise.all(['p04', 'p05', 'p06'].map((id) => open(srv, id)));
  for (const watcher of watchers) {
    await enter(watcher);
    await window(watcher, 0, 4);
    await settle(watcher);
    watcher.received.length = 0;
  }
  for (let n = 1; n <= 20; n++) for (const socket of inRoom.values()) socket.send({ type: 'room-presence', room: ROOM, presence: { n } });
  await Promise.all([...inRoom.values()].map(settle));
  for (const watcher of watchers) {
    await watcher.next('room-rows', (message) => message.members.some((m) => m.userId === 'p03' && (m.presence as { n: number }).n === 20));
    await settle(watcher);
    const frames = watcher.received.filter((message) => message.type === 'room-rows');
    // 80 changes of members in the window: a frame per tick holds each changed member once, at its latest.
    expect(frames.length).toBeLessThan(20);
    for (const frame of frames) expect(new Set(frame.members.map((m) => m.userId)).size).toBe(frame.members.length);
    expect(watcher.received.filter((message) => message.type === 'room-update')).toEqual([]);
  }
});
