// The presence server of `npm run soak`, in its own process so its heap is measured alone.
// Reports { port, adminKey } on stdout, then answers "heap" messages over IPC with its heap after a GC.
import { createPresenceServer } from '../src/server/index.ts';

// argv: users, then for a node of a cluster: the Redis URL, the port (a restarted node takes its old
// one, so the proxies in front of it reach it again) and whether to create the users.
const users = Number(process.argv[2] ?? 1000);
const [redis, port, create] = [process.argv[3] || undefined, Number(process.argv[4] ?? 0), process.argv[5] !== 'no-users'];
// A one-minute catch-up window: the change log reaches its steady size within the run, so heap growth
// measured after the warm-up is growth that would go on forever (a leak), not the log filling up.
// All clients (and the admin calls minting their sessions) come from 127.0.0.1: the per-address caps
// and the admin key's request budget are lifted; per-user limits stay as deployed.
const server = await createPresenceServer({
  port,
  adminKey: 'soak-admin-key',
  catchUpWindowMs: 60_000,
  maxConnectionsPerIp: 100_000,
  requestsPerSecond: 100_000,
  limits: { heartbeatMs: 5_000, handshakesPerSecond: 100_000 },
  // A killed node's users go offline within 2 s + 0.4 s.
  ...(redis ? { redis, cluster: { leaseMs: 2_000, renewMs: 400 } } : {}),
});
if (create) {
  for (let i = 0; i < users; i++) server.controls.createUser({ id: `u${i}`, username: `u${i}` });
  server.controls.createUser({ id: 'observer', username: 'observer' });
}

process.on('message', (message: { type: string }) => {
  if (message.type === 'heap') {
    (globalThis as { gc?: () => void }).gc?.();
    const memory = process.memoryUsage();
    process.send!({ type: 'heap', heapUsed: memory.heapUsed, rss: memory.rss });
  }
  if (message.type === 'stop') void server.close().then(() => process.exit(0));
});
process.send!({ type: 'ready', port: server.port, adminKey: server.adminKey });
