// One node of `npm run bench:cluster`, in its own process: the presence server in memory (no URL) or
// as a node of the Redis given. The first node creates the users. Driven over IPC.
import { createPresenceServer } from '../src/server/index.ts';

const [redis, role] = [process.argv[2] || undefined, process.argv[3]];
// Every benchmark client comes from 127.0.0.1 as one user: lift the caps that would refuse that in production.
const server = await createPresenceServer({
  port: 0,
  adminKey: 'bench-cluster',
  maxConnectionsPerIp: 100_000,
  requestsPerSecond: 100_000,
  limits: { handshakesPerSecond: 100_000, connectionsPerUser: 100_000, snapshotUsersPerSecond: 1e9, snapshotUsersPerSecondTotal: 1e9, framesPerSecond: 1_000 },
  ...(redis ? { redis } : {}),
});
if (role === 'first') {
  server.controls.createUser({ id: 'watcher', username: 'watcher' });
  server.controls.createUser({ id: 'speaker', username: 'speaker' });
  server.controls.createUser({ id: 'victim', username: 'victim' });
  server.controls.connect('speaker');
}
process.on('message', (message: { type: string; t?: number; userId?: string; count?: number }) => {
  if (message.type === 'update') server.controls.setPresence('speaker', { statusMessage: `t=${message.t}` });
  if (message.type === 'token') process.send!({ type: 'token', token: server.mintTokens(message.userId!).accessToken });
  // The room case's users u0..u(count-1), each with a session (every room `write`, the default).
  if (message.type === 'populate') {
    const count = message.count!;
    for (let i = 0; i < count; i++) server.controls.createUser({ id: `u${i}`, username: `u${i}` });
    // On Redis a user exists once its entry comes back from the log.
    const mint = () => {
      if (!server.store.getUser(`u${count - 1}`)) return void setTimeout(mint, 20);
      process.send!({ type: 'populate', tokens: Array.from({ length: count }, (_, i) => server.mintTokens(`u${i}`).accessToken) });
    };
    mint();
  }
  if (message.type === 'stats') process.send!({ type: 'stats', cpu: process.cpuUsage() });
});
process.send!({ type: 'ready', wsUrl: server.wsUrl });
