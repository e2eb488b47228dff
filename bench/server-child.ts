// The server side of `npm run bench:server`, in its own process: the presence server ("kit") or a bare
// `ws` server broadcasting the same frames ("bare"). Driven over IPC.
import { WebSocketServer } from 'ws';
import { createPresenceServer } from '../src/server/index.ts';

const mode = process.argv[2] as 'kit' | 'bare' | 'defaults';
const SPEAKERS = 20;
const gc = () => (globalThis as { gc?: () => void }).gc?.();
const stats = () => {
  gc();
  const memory = process.memoryUsage();
  return { cpu: process.cpuUsage(), heapUsed: memory.heapUsed, rss: memory.rss, external: memory.external + memory.arrayBuffers };
};

if (mode === 'defaults') {
  // The server as deployed, every limit at its default: what bench:attacks throws hostile clients at.
  const server = await createPresenceServer({ port: 0 });
  server.controls.createUser({ id: 'mallory', username: 'mallory' });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'stats') process.send!({ type: 'stats', ...stats() });
    if (message.type === 'directory') {
      // A directory of 20,000 people for the search attack.
      for (let i = 0; i < 20_000; i++) server.controls.createUser({ id: `person-${i}`, username: `person-${i}`, displayName: `Person Number ${i}` });
      process.send!({ type: 'directory', token: server.mintTokens('person-1').accessToken });
    }
    if (message.type === 'crowd') {
      // People for the change-rate and catch-up attacks: 'loud', 12 catch-up askers, 400 watchers.
      const ids = ['loud', ...Array.from({ length: 412 }, (_, i) => `crowd-${i}`)];
      for (const id of ids) server.controls.createUser({ id, username: id, displayName: `Crowd ${id}`, metadata: { team: id } });
      process.send!({ type: 'crowd', tokens: ids.map((id) => server.mintTokens(id).accessToken) });
    }
  });
  process.send!({ type: 'ready', wsUrl: server.wsUrl, token: server.mintTokens('mallory').accessToken });
} else if (mode === 'kit') {
  // Every benchmark client comes from 127.0.0.1 as the same user: lift the per-address and per-user caps
  // that would (rightly) refuse that many from one client in production.
  const server = await createPresenceServer({
    port: 0,
    maxConnectionsPerIp: 100_000,
    limits: {
      handshakesPerSecond: 100_000,
      framesPerSecond: 1_000,
      subscriptionsPerConnection: 10,
      connectionsPerUser: 100_000,
      snapshotUsersPerSecond: 1e9,
      snapshotUsersPerSecondTotal: 1e9,
    },
  });
  server.controls.createUser({ id: 'watcher', username: 'watcher' });
  for (let i = 0; i < SPEAKERS; i++) {
    server.controls.createUser({ id: `s${i}`, username: `s${i}` });
    server.controls.connect(`s${i}`);
  }
  const token = server.mintTokens('watcher').accessToken;
  process.on('message', (message: { type: string; speaker?: number; t?: number }) => {
    if (message.type === 'update') server.controls.setPresence(`s${message.speaker}`, { statusMessage: `t=${message.t}` });
    if (message.type === 'stats') process.send!({ type: 'stats', ...stats() });
  });
  process.send!({ type: 'ready', wsUrl: server.wsUrl, token });
} else {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  let seq = 0;
  process.on('message', (message: { type: string; speaker?: number; t?: number }) => {
    if (message.type === 'update') {
      // The same frame the presence server sends for a status change, built once and sent to everyone.
      const frame = JSON.stringify({
        type: 'presence',
        seq: ++seq,
        userId: `s${message.speaker}`,
        presence: {
          online: true,
          status: 'online',
          statusMessage: `t=${message.t}`,
          custom: null,
          callStatus: 'available',
          lastOnline: null,
          utcOffset: null,
          updatedAt: new Date().toISOString(),
        },
      });
      for (const client of wss.clients) client.send(frame);
    }
    if (message.type === 'stats') process.send!({ type: 'stats', ...stats() });
  });
  process.send!({ type: 'ready', wsUrl: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`, token: '' });
}
