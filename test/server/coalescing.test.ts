import { afterEach, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { openRawSocket, type RawSocket } from '../helpers.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Frames received so far, once a ping sent now has come back (everything sent before it has arrived). */
async function settled(socket: RawSocket, t: number) {
  socket.send({ type: 'ping', t });
  await socket.next('pong', (message: { t?: number }) => message.t === t);
  return socket.received;
}

const presenceOf = (frames: RawSocket['received'], userId: string) =>
  frames.filter((frame) => frame.type === 'presence' && (frame as { userId: string }).userId === userId) as Array<{
    seq: number;
    presence: { status: string; statusMessage: string; online: boolean };
    user?: { id: string };
  }>;

test('a burst of one user’s changes within a turn reaches a watcher as one frame with the latest state', async () => {
  server = await startTestServer({ users: ['ada', 'grace'] });
  server.controls.connect('grace');
  const ada = await openRawSocket(server.wsUrl, server.mintTokens('ada').accessToken);
  ada.send({ type: 'subscribe', users: ['grace'] });
  await ada.next('snapshot');
  const before = ada.received.length;
  server.controls.setPresence('grace', { statusMessage: 'one' });
  server.controls.setPresence('grace', { status: 'busy', statusMessage: 'two' });
  server.controls.setPresence('grace', { statusMessage: 'three' });
  const frames = presenceOf((await settled(ada, 1)).slice(before), 'grace');
  expect(frames).toHaveLength(1);
  expect(frames[0]!.presence).toMatchObject({ status: 'busy', statusMessage: 'three' });
  // Its sequence number is the last change's: a catch-up from it misses nothing.
  const seqs = (await settled(ada, 2)).flatMap((frame) => ('seq' in frame ? [frame.seq as number] : []));
  expect(frames[0]!.seq).toBe(Math.max(...seqs));
  // Changes in different turns each arrive.
  server.controls.setPresence('grace', { statusMessage: 'four' });
  await new Promise((resolve) => setImmediate(resolve));
  server.controls.setPresence('grace', { statusMessage: 'five' });
  const later = presenceOf((await settled(ada, 3)).slice(before), 'grace').map((frame) => frame.presence.statusMessage);
  expect(later).toEqual(['three', 'four', 'five']);
});

test('held frames go out before any later frame, so sequence numbers never go back', async () => {
  server = await startTestServer({ users: ['ada', 'grace', 'linus'] });
  server.controls.connect('grace');
  server.controls.connect('linus');
  const ada = await openRawSocket(server.wsUrl, server.mintTokens('ada').accessToken);
  ada.send({ type: 'subscribe', users: ['grace', 'linus'] });
  await ada.next('snapshot');
  const before = ada.received.length;
  // grace's frame is held; ada's own change goes out at once, but after it. Then grace again.
  server.controls.setPresence('grace', { statusMessage: 'held' });
  server.controls.setPresence('ada', { statusMessage: 'mine' });
  server.controls.setPresence('linus', { statusMessage: 'linus' });
  server.controls.setPresence('grace', { statusMessage: 'latest' });
  const frames = (await settled(ada, 1)).slice(before).filter((frame) => frame.type === 'presence') as Array<{ seq: number; userId: string }>;
  expect(frames.map((frame) => frame.userId)).toEqual(['grace', 'ada', 'linus', 'grace']);
  const seqs = frames.map((frame) => frame.seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
});

test('someone who comes online and changes status in one turn arrives with their profile', async () => {
  server = await startTestServer({ users: ['ada', 'grace'] });
  const ada = await openRawSocket(server.wsUrl, server.mintTokens('ada').accessToken);
  ada.send({ type: 'subscribe', online: true });
  await ada.next('snapshot');
  const before = ada.received.length;
  server.controls.connect('grace');
  server.controls.setPresence('grace', { status: 'busy' });
  const frames = presenceOf((await settled(ada, 1)).slice(before), 'grace');
  expect(frames).toHaveLength(1);
  expect(frames[0]).toMatchObject({ presence: { online: true, status: 'busy' }, user: { id: 'grace' } });
});

test('a reconnect within one turn shows a watcher no offline blip', async () => {
  server = await startTestServer({ users: ['ada', 'grace'] });
  server.controls.connect('grace');
  const ada = await openRawSocket(server.wsUrl, server.mintTokens('ada').accessToken);
  ada.send({ type: 'subscribe', users: ['grace'] });
  await ada.next('snapshot');
  const before = ada.received.length;
  server.controls.disconnect('grace');
  server.controls.connect('grace');
  const frames = presenceOf((await settled(ada, 1)).slice(before), 'grace');
  expect(frames.every((frame) => frame.presence.online)).toBe(true);
});
