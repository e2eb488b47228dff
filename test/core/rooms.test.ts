// enterRoom against the real server: others, self, throttled presence, events, holds and reconnects.
import { afterEach, expect, test } from 'vitest';
import { enterRoom, type PresenceClient, type Room } from '../../src/core/index.ts';
import { kernelOf } from '../../src/core/kernel.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { waitForStatus } from '../helpers.ts';

let server: TestServer;
afterEach(async () => server.close());

async function connected(userId: string, options = {}): Promise<PresenceClient> {
  const client = server.clientFor(userId, options);
  client.connect();
  await waitForStatus(client, 'connected');
  return client;
}

/** Resolves once `check` holds for the room, checked at every change. */
function until<P, E>(room: Room<P, E>, check: (room: Room<P, E>) => boolean, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check(room)) return resolve();
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${label}`)), 5_000);
    const stop = room.subscribe(() => {
      if (!check(room)) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}

const otherIds = (room: Room<unknown, unknown>) => room.getOthers().map((member) => member.userId);

test('two users in a room see each other with presence and profile; updates are shallow-merged, throttled, latest last', async () => {
  server = await startTestServer({ users: ['ada', { id: 'grace', username: 'grace', displayName: 'Grace Hopper' }], roomTickMs: 10 });
  const ada = await connected('ada');
  const grace = await connected('grace');
  const adaRoom = enterRoom<{ cursor: { x: number; y: number } | null; tool?: string }>(ada, 'doc:1', { presence: { cursor: null, tool: 'pen' } });
  const graceRoom = enterRoom(grace, 'doc:1', { presence: { cursor: null } });
  await until(adaRoom, (room) => otherIds(room).includes('grace'), 'grace in ada’s room');
  await until(graceRoom, (room) => otherIds(room).includes('ada'), 'ada in grace’s room');
  await until(adaRoom, (room) => room.getOthers()[0]!.user?.displayName === 'Grace Hopper', 'grace’s profile');
  expect(adaRoom.getStatus()).toBe('entered');
  expect(adaRoom.getAccess()).toBe('write');
  expect(adaRoom.getSelf()).toMatchObject({ userId: 'ada', presence: { cursor: null, tool: 'pen' } });
  expect(adaRoom.getSelf()!.connections).toHaveLength(1);

  const sent: unknown[] = [];
  kernelOf(ada).taps.add((direction, frame) => direction === 'out' && frame.type === 'room-presence' && sent.push(frame));
  for (let x = 1; x <= 30; x++) adaRoom.updatePresence({ cursor: { x, y: x } });
  // Shown here at once, merged with what was there.
  expect(adaRoom.getSelf()!.presence).toEqual({ cursor: { x: 30, y: 30 }, tool: 'pen' });
  await until(graceRoom, (room) => (room.getOthers()[0]?.presence as { cursor?: { x: number } } | null)?.cursor?.x === 30, 'the last cursor');
  // 30 updates in one turn: one frame now at most and one after the throttle with the latest.
  expect(sent.length).toBeLessThanOrEqual(2);
  expect(graceRoom.getOthers()[0]!.presence).toEqual({ cursor: { x: 30, y: 30 }, tool: 'pen' });
});

test('one member’s change replaces only that member’s object; the others array is stable between changes', async () => {
  server = await startTestServer({ users: ['ada', 'grace', 'linus'], roomTickMs: 10 });
  const [ada, grace, linus] = [await connected('ada'), await connected('grace'), await connected('linus')];
  const adaRoom = enterRoom(ada, 'doc:2');
  const graceRoom = enterRoom(grace, 'doc:2', { presence: { n: 0 } });
  const linusRoom = enterRoom(linus, 'doc:2', { presence: { n: 0 } });
  await until(adaRoom, (room) => otherIds(room).length === 2, 'two others');
  await until(graceRoom, (room) => room.getStatus() === 'entered', 'grace entered');
  await until(adaRoom, (room) => room.getOthers().every((member) => member.user !== null), 'profiles');
  const before = adaRoom.getOthers();
  expect(adaRoom.getOthers()).toBe(before);
  const linusBefore = before.find((member) => member.userId === 'linus')!;
  graceRoom.updatePresence({ n: 1 });
  await until(adaRoom, (room) => (room.getOthers().find((m) => m.userId === 'grace')?.presence as { n: number }).n === 1, 'grace’s update');
  expect(adaRoom.getOthers()).not.toBe(before);
  expect(adaRoom.getOthers().find((member) => member.userId === 'linus')).toBe(linusBefore);
  linusRoom.leave();
});

test('holders share a room: it is left when the last holder leaves', async () => {
  server = await startTestServer({ users: ['ada', 'grace'], roomTickMs: 10, roomLeaveGraceMs: 50 });
  const ada = await connected('ada');
  const grace = await connected('grace');
  const watcher = enterRoom(grace, 'doc:3');
  const first = enterRoom(ada, 'doc:3');
  const second = enterRoom(ada, 'doc:3');
  await until(watcher, (room) => otherIds(room).includes('ada'), 'ada in');
  first.leave();
  first.leave();
  expect(second.getStatus()).toBe('entered');
  second.leave();
  expect(second.getStatus()).toBe('left');
  await until(watcher, (room) => otherIds(room).length === 0, 'ada gone');
});

test('after a dropped connection the client enters again with the same presence, and others see no leave', async () => {
  server = await startTestServer({ users: ['ada', 'grace'], roomTickMs: 10 });
  const ada = await connected('ada', { backoff: { baseMs: 10, maxMs: 20 } });
  const grace = await connected('grace');
  const adaRoom = enterRoom(ada, 'doc:4', { presence: { tool: 'pen' } });
  const graceRoom = enterRoom(grace, 'doc:4');
  await until(graceRoom, (room) => otherIds(room).includes('ada'), 'ada in');
  adaRoom.updatePresence({ tool: 'eraser' });
  await until(graceRoom, (room) => (room.getOthers()[0]!.presence as { tool: string }).tool === 'eraser', 'eraser');
  const seen: string[][] = [];
  graceRoom.subscribe(() => seen.push(otherIds(graceRoom)));
  server.controls.dropConnections('ada');
  await waitForStatus(ada, 'reconnecting');
  await waitForStatus(ada, 'connected');
  await until(
    graceRoom,
    (room) => room.getOthers()[0]?.connections.length === 1 && room.getOthers()[0]!.connections[0]!.id !== undefined && seen.length > 0,
    'ada back',
  );
  await until(adaRoom, (room) => room.getSelf()!.connections.length === 1, 'ada’s own connection listed');
  expect(seen.every((ids) => ids.includes('ada'))).toBe(true);
  expect(graceRoom.getOthers()[0]!.presence).toEqual({ tool: 'eraser' });
});

test('events reach the others with the sender as a member; a refused room says why', async () => {
  server = await startTestServer({ users: ['ada', 'grace'] });
  const ada = await connected('ada');
  const grace = server.clientFor('grace', { token: () => Promise.resolve(server.mintTokens('grace', { 'doc:*': 'write' }).accessToken) });
  grace.connect();
  await waitForStatus(grace, 'connected');
  const errors: string[] = [];
  grace.onError((error) => errors.push(error.code));
  const adaRoom = enterRoom<Record<string, never>, { emoji: string }>(ada, 'doc:5');
  const graceRoom = enterRoom<Record<string, never>, { emoji: string }>(grace, 'doc:5');
  await until(graceRoom, (room) => otherIds(room).includes('ada'), 'ada in');
  await until(adaRoom, (room) => otherIds(room).includes('grace'), 'grace in');
  const heard = new Promise<string>((resolve) => adaRoom.onEvent((event, from, userId) => resolve(`${userId}:${from?.userId}:${event.emoji}`)));
  expect(graceRoom.broadcast({ emoji: '🎉' })).toBe(true);
  expect(await heard).toBe('grace:grace:🎉');

  const secret = enterRoom(grace, 'secret');
  await until(secret, (room) => room.getStatus() === 'refused', 'refused');
  expect(secret.getError()?.code).toBe('forbidden');
  // The room says it was refused; the client does not also raise it as an error nobody handled.
  expect(errors).toEqual([]);
  expect(secret.getOthers()).toEqual([]);
  expect(() => enterRoom(grace, '')).toThrow(/room id/);
});
