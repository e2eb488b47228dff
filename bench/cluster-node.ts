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
process.on('message', (message: { type: string; t?: number; userId?: string }) => {
  if (message.type === 'update') server.controls.setPresence('speaker', { statusMessage: `t=${message.t}` });
  if (message.type === 'token') process.send!({ type: 'token', token: server.mintTokens(message.userId!).accessToken });
});
process.send!({ type: 'ready', wsUrl: server.wsUrl });
