// The presence server of `npm run soak`, in its own process so its heap is measured alone.
// Reports { port, adminKey } on stdout, then answers "heap" messages over IPC with its heap after a GC.
import { createPresenceServer } from '../src/server/index.ts';

const users = Number(process.argv[2] ?? 1000);
const server = await createPresenceServer({ port: 0, limits: { heartbeatMs: 5_000 } });
for (let i = 0; i < users; i++) server.controls.createUser({ id: `u${i}`, username: `u${i}` });
server.controls.createUser({ id: 'observer', username: 'observer' });

process.on('message', (message: { type: string }) => {
  if (message.type === 'heap') {
    (globalThis as { gc?: () => void }).gc?.();
    process.send!({ type: 'heap', heapUsed: process.memoryUsage().heapUsed });
  }
  if (message.type === 'stop') void server.close().then(() => process.exit(0));
});
process.send!({ type: 'ready', port: server.port, adminKey: server.adminKey });
