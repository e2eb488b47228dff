// Rooms on one node, through the socket as a client sees them: occupants are users, leaves are held back by
// the grace, presence updates are gathered per tick, access and privacy hold on every frame.
import { afterEach, expect, test } from 'vitest';
import type { RoomPermissions } from '../../src/server/room-access.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { openRawSocket, rest, type AnyServerMessage, type RawSocket } from '../helpers.ts';

let server: TestServer | undefined;
const sockets: RawSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.ws.terminate();
  await server?.close();
  server = undefined;
});

async function open(srv: TestServer, userId: string, rooms?: RoomPermissions): Promise<RawSocket> {
  const socket = await openRawSocket(srv.wsUrl, srv.mintTokens(userId, rooms).accessToken);
  sockets.push(socket);
  return socket;
}

let rid = 0;
async function enter(socket: RawSocket, room: string, presence?: unknown) {
  const asked = ++rid;
  socket.send({ type: 'room-enter', rid: asked, room, ...(presence === undefined ? {} : { presence }) });
  return socket.next('room', (message) => message.rid === asked);
}

async function refusal(socket: RawSocket, frame: Record<string, unknown>) {
  const asked = ++rid;
  socket.send({ ...frame, rid: asked });
  return socket.next('error', (message) => message.rid === asked);
}

/** The next room-update of `room` that mentions `userId`. */
const updateAbout = (socket: RawSocket, room: string, userId: string) =>
  socket.next('room-update', (message) => message.room === room && (message.members.some((m) => m.userId === userId) || message.left.includes(userId)));

/** Room frames received so far about `userId` in `room`. */
const framesAbout = (socket: RawSocket, userId: string): AnyServerMessage[] =>
  socket.received.filter(
    (message) =>
      (message.type === 'room-update' && (message.members.some((m) => m.userId === userId) || message.left.includes(userId))) ||
      (message.type === 'room-event' && message.userId === userId),
  );

/** Waits until the server has applied everything sent so far on `socket` (frames are handled in order). */
async function settled(socket: RawSocket): Promise<void> {
  const asked = ++rid;
  socket.send({ type: 'room-leave', rid: asked, room: 'settle:nowhere' });
  await socket.next('ack', (message) => message.rid === asked);
}

test('occupants are users: a second tab of the same user is an update of one member, with each connection’s presence', async () => {
  const srv = (server = await startTestServer({ users: ['ada', 'grace'] }));
  const grace = await open(srv, 'grace');
  const first = await enter(grace, 'doc:42', { cursor: null });
  expect(first.access).toBe('write');
  expect(first.members.map((m) => m.userId)).toEqual(['grace']);
  expect(first.members[0]!.connections.map((c) => c.id)).toEqual([first.self]);

  const adaTab1 = await open(srv, 'ada');
  const answer = await enter(adaTab1, 'doc:42', { cursor: { x: 1, y: 1 } });
  expect(answer.members.map((m) => m.userId).sort()).toEqual(['ada', 'grace']);
  const entered = await updateAbout(grace, 'doc:42', 'ada');
  expect(entered.members.find((m) => m.userId === 'ada')).toMatchObject({ presence: { cursor: { x: 1, y: 1 } } });

  const adaTab2 = await open(srv, 'ada');
  await enter(adaTab2, 'doc:42', { cursor: { x: 9, y: 9 } });
  const second = await updateAbout(grace, 'doc:42', 'ada');
  const ada = second.members.find((m) => m.userId === 'ada')!;
  expect(ada.connections).toHaveLength(2);
  expect(ada.presence).toEqual({ cursor: { x: 9, y: 9 } });
  expect(ada.connections.map((c) => c.presence)).toEqual(expect.arrayContaining([{ cursor: { x: 1, y: 1 } }, { cursor: { x: 9, y: 9 } }]));

  // The first tab updates last: its presence becomes the member's.
  adaTab1.send({ type: 'room-presence', room: 'doc:42', presence: { cursor: { x: 2, y: 2 } } });
  const third = await updateAbout(grace, 'doc:42', 'ada');
  expect(third.members[0]!.presence).toEqual({ cursor: { x: 2, y: 2 } });

  // One tab leaving is a change, not a leave; the member's presence is the remaining tab's.
  adaTab1.send({ type: 'room-leave', rid: ++rid, room: 'doc:42' });
  const fourth = await updateAbout(grace, 'doc:42', 'ada');
  expect(fourth.left).toEqual([]);
  expect(fourth.members[0]!.connections).toHaveLength(1);
  expect(fourth.members[0]!.presence).toEqual({ cursor: { x: 9, y: 9 } });
});

test('presence updates within a tick reach a watcher as one frame with the latest', async () => {
  const srv = (server = await startTestServer({ users: ['ada', 'grace'], roomTickMs: 200 }));
  const grace = await open(srv, 'grace');
  const ada = await open(srv, 'ada');
  await enter(grace, 'doc:1');
  await enter(ada, 'doc:1', { n: 0 });
  await updateAbout(grace, 'doc:1', 'ada');
  for (let n = 1; n <= 10; n++) ada.send({ type: 'room-presence', room: 'doc:1', presence: { n } });
  await settled(ada);
  const update = await updateAbout(grace, 'doc:1', 'ada');
  expect(update.members[0]!.presence).toEqual({ n: 10 });
  await settled(grace);
  expect(framesAbout(grace, 'ada')).toEqual([]);
});

test('a leave is held back by the grace: a reconnect within it shows nothing, past it one leave', async () => {
  const srv = (server = await startTestServer({ users: ['ada', 'grace'], roomLeaveGraceMs: 400, roomTickMs: 20 }));
  const grace = await open(srv, 'grace');
  await enter(grace, 'doc:7');
  let ada = await open(srv, 'ada');
  await enter(ada, 'doc:7', { typing: false });
  await updateAbout(grace, 'doc:7', 'ada');

  // A reload: the socket goes, a new one enters again with the same presence within the grace.
  ada.ws.terminate();
  ada = await open(srv, 'ada');
  await enter(ada, 'doc:7', { typing: false });
  const back = await updateAbout(grace, 'doc:7', 'ada');
  expect(back.left).toEqual([]);
  expect(back.members[0]!.connections).toHaveLength(1);
  expect(grace.received.some((m) => m.type === 'room-update' && m.left.includes('ada'))).toBe(false);

  // Gone for good: one leave, after the grace.
  const goneAt = Date.now();
  ada.ws.terminate();
  const left = await grace.next('room-update', (message) => message.left.includes('ada'));
  expect(left.members).toEqual([]);
  expect(Date.now() - goneAt).toBeGreaterThanOrEqual(350);
  const again = await enter(grace, 'doc:7');
  expect(again.members.map((m) => m.userId)).toEqual(['grace']);
});

test('broadcast reaches the room’s other connections, not the sender, and is refused outside the room', async () => {
  const srv = (server = await startTestServer({ users: ['ada', 'grace', 'linus'] }));
  const ada = await open(srv, 'ada');
  const adaOtherTab = await open(srv, 'ada');
  const grace = await open(srv, 'grace');
  const linus = await open(srv, 'linus');
  await enter(ada, 'chat:general');
  await enter(adaOtherTab, 'chat:general');
  await enter(grace, 'chat:general');
  ada.send({ type: 'room-broadcast', room: 'chat:general', event: { type: 'reaction', emoji: '🎉' } });
  const heard = await grace.next('room-event');
  expect(heard).toEqual({ type: 'room-event', room: 'chat:general', userId: 'ada', event: { type: 'reaction', emoji: '🎉' } });
  expect((await adaOtherTab.next('room-event')).userId).toBe('ada');
  await settled(ada);
  await settled(linus);
  expect(ada.received.filter((m) => m.type === 'room-event')).toEqual([]);
  expect(linus.received.filter((m) => m.type === 'room-event')).toEqual([]);
  linus.send({ type: 'room-broadcast', room: 'chat:general', event: 'hi' });
  expect((await linus.next('error')).code).toBe('forbidden');
});

test('room permissions: a forbidden room tells nothing, read watches unseen and cannot speak', async () => {
  const srv = (server = await startTestServer({ users: ['ada', 'grace', 'eve'] }));
  const ada = await open(srv, 'ada');
  await enter(ada, 'secret', { plan: 'launch' });
  await enter(ada, 'lobby');
  const eve = await open(srv, 'eve', { 'doc:*': 'write', lobby: 'read' });
  const refused = await refusal(eve, { type: 'room-enter', room: 'secret' });
  expect(refused.code).toBe('forbidden');
  expect(JSON.stringify(refused)).not.toContain('ada');
  expect(JSON.stringify(eve.received)).not.toContain('launch');

  const lobby = await enter(eve, 'lobby');
  expect(lobby.access).toBe('read');
  expect(lobby.members.map((m) => m.userId)).toEqual(['ada']);
  // Eve does not appear, and cannot update or broadcast.
  const grace = await open(srv, 'grace');
  const seenByGrace = await enter(grace, 'lobby');
  expect(seenByGrace.members.map((m) => m.userId).sort()).toEqual(['ada', 'grace']);
  eve.send({ type: 'room-presence', room: 'lobby', presence: { x: 1 } });
  expect((await eve.next('error')).code).toBe('forbidden');
  eve.send({ type: 'room-broadcast', room: 'lobby', event: 'hi' });
  expect((await eve.next('error')).code).toBe('forbidden');
  // But eve hears the room: grace's entry reaches her.
  expect((await updateAbout(eve, 'lobby', 'grace')).members[0]!.userId).toBe('grace');
  // Room permissions survive a token refresh.
  const tokens = srv.mintTokens('eve', { 'doc:*': 'write' });
  const refreshed = await rest(srv.httpUrl, '/api/v1/auth/refresh', { method: 'POST', json: { refreshToken: tokens.refreshToken } });
  const eveAgain = await openRawSocket(srv.wsUrl, refreshed.body.accessToken as string);
  sockets.push(eveAgain);
  expect((await refusal(eveAgain, { type: 'room-enter', room: 'lobby' })).code).toBe('forbidden');
  expect((await enter(eveAgain, 'doc:1')).access).toBe('write');
});

test('POST /sessions takes room permissions and refuses malformed ones with a typed error (422)', async () => {
  const srv = (server = await startTestServer({ users: ['ada'] }));
  const admin = { authorization: `Bearer ${srv.adminKey}` };
  const minted = await rest(srv.httpUrl, '/api/v1/sessions', { method: 'POST', headers: admin, json: { userId: 'ada', rooms: { 'doc:*': 'read' } } });
  expect(minted.status).toBe(200);
  const socket = await openRawSocket(srv.wsUrl, minted.body.accessToken as string);
  sockets.push(socket);
  expect((await enter(socket, 'doc:3')).access).toBe('read');
  expect((await refusal(socket, { type: 'room-enter', room: 'other' })).code).toBe('forbidden');
  for (const rooms of [{ 'a*b': 'write' }, { doc: 'admin' }, { '': 'read' }, Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`r${i}`, 'read'])), []]) {
    const bad = await rest(srv.httpUrl, '/api/v1/sessions', { method: 'POST', headers: admin, json: { userId: 'ada', rooms } });
    expect(bad.status, JSON.stringify(rooms)).toBe(422);
    expect(bad.body.error.code).toBe('invalid-input');
  }
});

test('blocks: neither side sees the other in a room, in the answer, updates or events; unblocking shows them again', async () => {
  const srv = (server = await startTestServer({ users: ['ada', 'eve', 'grace'], roomTickMs: 20 }));
  srv.controls.block('ada', 'eve');
  const ada = await open(srv, 'ada');
  const eve = await open(srv, 'eve');
  const grace = await open(srv, 'grace');
  await enter(ada, 'doc:9', { secret: 'ada-was-here' });
  await enter(grace, 'doc:9');
  const eveView = await enter(eve, 'doc:9');
  expect(eveView.members.map((m) => m.userId).sort()).toEqual(['eve', 'grace']);
  ada.send({ type: 'room-presence', room: 'doc:9', presence: { secret: 'moved' } });
  ada.send({ type: 'room-broadcast', room: 'doc:9', event: 'hello' });
  eve.send({ type: 'room-broadcast', room: 'doc:9', event: 'from-eve' });
  await updateAbout(grace, 'doc:9', 'ada');
  expect((await grace.next('room-event', (m) => m.userId === 'eve')).event).toBe('from-eve');
  await settled(eve);
  await settled(ada);
  expect(framesAbout(eve, 'ada')).toEqual([]);
  expect(JSON.stringify(eve.received)).not.toContain('ada-was-here');
  expect(framesAbout(ada, 'eve')).toEqual([]);

  await rest(srv.httpUrl, '/api/v1/me/blocks/eve', { method: 'DELETE', token: srv.mintTokens('ada').accessToken });
  expect((await updateAbout(eve, 'doc:9', 'ada')).members[0]!.presence).toEqual({ secret: 'moved' });
  expect((await updateAbout(ada, 'doc:9', 'eve')).members[0]!.userId).toBe('eve');
});

test('an invisible user is never shown in a room; turning invisible is a leave, visible again an enter', async () => {
  const srv = (server = await startTestServer({ users: ['ada', 'grace'], roomTickMs: 20 }));
  const grace = await open(srv, 'grace');
  await enter(grace, 'doc:5');
  const ada = await openRawSocket(srv.wsUrl);
  sockets.push(ada);
  ada.send({ type: 'auth', token: srv.mintTokens('ada').accessToken, presence: { status: 'invisible' } });
  await ada.next('welcome');
  await enter(ada, 'doc:5', { here: true });
  ada.send({ type: 'room-presence', room: 'doc:5', presence: { here: 'still' } });
  await settled(ada);
  expect((await enter(grace, 'doc:5')).members.map((m) => m.userId)).toEqual(['grace']);
  await settled(grace);
  expect(framesAbout(grace, 'ada')).toEqual([]);

  ada.send({ type: 'set-presence', rid: ++rid, patch: { status: 'online' } });
  expect((await updateAbout(grace, 'doc:5', 'ada')).members[0]!.presence).toEqual({ here: 'still' });
  ada.send({ type: 'set-presence', rid: ++rid, patch: { status: 'invisible' } });
  expect((await updateAbout(grace, 'doc:5', 'ada')).left).toEqual(['ada']);
});

test('limits: room presence size, rooms per connection, update rate; refusals are typed and the connection stays', async () => {
  const srv = (server = await startTestServer({ users: ['ada'], limits: { roomsPerConnection: 3, roomPresenceBytes: 100, roomUpdatesPerSecond: 2 } }));
  const ada = await open(srv, 'ada');
  expect((await refusal(ada, { type: 'room-enter', room: 'big', presence: { text: 'x'.repeat(200) } })).code).toBe('too-large');
  expect((await refusal(ada, { type: 'room-enter', room: 'x'.repeat(129) })).code).toBe('invalid-input');
  expect((await refusal(ada, { type: 'room-enter', room: 'bad\u0007id' })).code).toBe('invalid-input');
  for (const room of ['a', 'b', 'c']) await enter(ada, room);
  expect((await refusal(ada, { type: 'room-enter', room: 'd' })).code).toBe('limit-exceeded');
  // Entering a room one is in again is not one more room.
  expect((await enter(ada, 'a', { again: true })).members[0]!.presence).toEqual({ again: true });
  ada.send({ type: 'room-presence', room: 'a', presence: { text: 'y'.repeat(200) } });
  expect((await ada.next('error')).code).toBe('too-large');
  for (let i = 0; i < 6; i++) ada.send({ type: 'room-presence', room: 'a', presence: { i } });
  expect((await ada.next('error', (m) => m.code === 'rate-limited')).retryAfterMs).toBeGreaterThan(0);
  await settled(ada);
  expect(ada.ws.readyState).toBe(ada.ws.OPEN);
});

test('guests enter no room unless guestRooms opens it', async () => {
  const srv = (server = await startTestServer({ users: ['ada'], guests: true, guestRooms: { lobby: 'read' } }));
  const guest = await rest(srv.httpUrl, '/api/v1/guest-sessions', { method: 'POST', json: {} });
  const socket = await openRawSocket(srv.wsUrl, guest.body.tokens.accessToken as string);
  sockets.push(socket);
  expect((await refusal(socket, { type: 'room-enter', room: 'doc:1' })).code).toBe('forbidden');
  expect((await enter(socket, 'lobby')).access).toBe('read');
});
