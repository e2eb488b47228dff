// A node of bench:cluster's 100,000-user snapshot case, in its own process, driven over IPC: it fills the
// shared state (users, people online, uploaded pictures), takes a snapshot on demand while its event loop
// is watched, and reports.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createPresenceServer } from '../src/server/index.ts';
// Loaded before the watch below starts (the server imports it lazily): the figure is the restore's, not
// the time to compile a module.
import '@redis/client';
import { makePng } from '../test/helpers.ts';

const [redis, role] = [process.argv[2]!, process.argv[3]];
// Watched from before the server starts: a node restoring a snapshot must not stop for long either (its
// lease is renewed meanwhile).
const startup = monitorEventLoopDelay({ resolution: 5 });
startup.enable();
const server = await createPresenceServer({
  port: 0,
  adminKey: 'bench-snapshot',
  redis,
  maxConnectionsPerIp: 100_000,
  requestsPerSecond: 1e6,
  // Snapshots only when asked: the case measures one.
  cluster: { snapshotEvery: 1e9, retainMs: 0 },
  limits: { handshakesPerSecond: 1e6, statusUpdatesPerSecond: 1e6, framesPerSecond: 1e6, snapshotUsersPerSecond: 1e9, snapshotUsersPerSecondTotal: 1e9 },
});
const until = async (done: () => boolean) => {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 50));
};

process.on('message', async (message: { type: string; users?: number; online?: number; pictures?: number; pictureBytes?: number }) => {
  if (message.type === 'populate') {
    const { users = 0, online = 0, pictures = 0, pictureBytes = 0 } = message;
    for (let i = 0; i < users; i++) {
      server.controls.createUser({ id: `u${i}`, username: `u${i}`, displayName: `User Number ${i}`, tags: ['bench'], metadata: { team: i % 50 } });
      // The log's appends are pipelined; now and then let them drain.
      if (i % 5_000 === 4_999) await until(() => server.store.userCount() >= i - 1_000);
    }
    await until(() => server.store.userCount() >= users);
    for (let i = 0; i < online; i++) server.controls.connect(`u${i}`);
    await until(() => server.controls.connectionCount(`u${online - 1}`) > 0);
    const picture = makePng({ chunks: [['iCCP', 'p'.repeat(pictureBytes)]] });
    for (let i = 0; i < pictures; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, pictures - i) }, (_, j) =>
          fetch(`${server.httpUrl}/api/v1/me/avatar`, {
            method: 'PUT',
            headers: { authorization: `Bearer ${server.mintTokens(`u${i + j}`).accessToken}`, 'content-type': 'image/png' },
            body: picture,
          }).then((response) => response.arrayBuffer()),
        ),
      );
    }
    process.send!({ type: 'populated', token: server.mintTokens('u0').accessToken });
  }
  if (message.type === 'snapshot') {
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const result = await server.controls.snapshotNow();
    delay.disable();
    process.send!({ type: 'snapshot', result, maxStallMs: delay.max / 1e6 });
  }
});
startup.disable();
process.send!({ type: 'ready', wsUrl: server.wsUrl, role, maxStallMs: startup.max / 1e6 });
