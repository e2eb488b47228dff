// npm run bench:catchup: 10,000 users online; a client that was away while 50 of them changed catches
// up with a delta, beside the full snapshot it got when it first connected (same client, same run).
import { WebSocket } from 'ws';
import { createPresenceClient } from '../src/core/index.ts';
import type { WebSocketLike } from '../src/core/connection.ts';
import { createPresenceServer } from '../src/server/index.ts';
import { reportFigures } from './report.ts';

const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const CHANGED = 50;

// A client that holds the whole list of 10,000 (announceMax out of reach; past it a client holds only the
// people it watches or shows, and catches up those).
const server = await createPresenceServer({ port: 0, announceMax: Number.MAX_SAFE_INTEGER });
for (let i = 0; i < USERS; i++) {
  const id = `u${String(i).padStart(5, '0')}`;
  server.controls.createUser({ id, username: id, displayName: `User ${i}`, tags: ['bench'] });
  server.controls.connect(id);
}
server.controls.createUser({ id: 'viewer', username: 'viewer' });

/** Counts the bytes of each snapshot frame and when it arrived. */
const snapshots: Array<{ bytes: number; full: boolean; at: number }> = [];
let sentAt = 0;
class MeasuringWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols);
    this.addEventListener('message', (event) => {
      const text = String(event.data);
      if (text.startsWith('{"type":"snapshot"')) snapshots.push({ bytes: Buffer.byteLength(text), full: text.includes('"full":true'), at: performance.now() });
    });
    const send = this.send.bind(this);
    this.send = ((data: string) => {
      if (data.includes('"type":"subscribe"')) sentAt = performance.now();
      send(data);
    }) as typeof this.send;
  }
}

const client = createPresenceClient({
  url: server.httpUrl,
  session: server.mintTokens('viewer'),
  WebSocket: MeasuringWebSocket as unknown as WebSocketLike,
  environment: null,
  offlineGraceMs: 0,
  autoAway: false,
  backoff: { random: () => 0 },
});
const until = async (predicate: () => boolean) => {
  while (!predicate()) await new Promise((resolve) => setTimeout(resolve, 5));
};
client.retainOnlineList();
client.connect();
await until(() => client.onlineUserIds().length === USERS + 1);
const full = { ...snapshots.at(-1)!, ms: snapshots.at(-1)!.at - sentAt };

// Away: the connection drops; 50 people change while the client is reconnecting.
server.controls.dropConnections('viewer');
await until(() => client.state.getState().status !== 'connected');
for (let i = 0; i < CHANGED; i++) server.controls.setPresence(`u${String(i * 97).padStart(5, '0')}`, { status: 'away', statusMessage: `changed ${i}` });
await until(
  () =>
    client.state.getState().status === 'connected' &&
    client.peekUser(`u${String((CHANGED - 1) * 97).padStart(5, '0')}`)?.presence?.statusMessage === `changed ${CHANGED - 1}`,
);
const deltaFrame = snapshots.at(-1)!;
const delta = { ...deltaFrame, ms: deltaFrame.at - sentAt };

const ratio = delta.bytes / full.bytes;
console.log(`bench:catchup (${USERS} users online, ${CHANGED} changed while away)

| catch-up | full | bytes | server → client ms |
|---|---|---:|---:|
| first connect (full snapshot) | ${full.full} | ${full.bytes} | ${full.ms.toFixed(1)} |
| after the outage (delta) | ${delta.full} | ${delta.bytes} | ${delta.ms.toFixed(1)} |

delta / full = ${(ratio * 100).toFixed(2)}% of the bytes, ${((delta.ms / full.ms) * 100).toFixed(1)}% of the time (goal: bytes under 2%) — ${ratio < 0.02 && !delta.full ? 'met' : 'NOT met'}`);
reportFigures('bench:catchup', [
  {
    figure: `catch-up bytes, ${USERS} users online, ${CHANGED} changed (delta vs full snapshot)`,
    value: delta.bytes,
    baseline: full.bytes,
    unit: 'B',
    ratio,
    goal: 'ratio < 0.02',
    met: ratio < 0.02 && !delta.full,
  },
  {
    figure: `catch-up time, ${USERS} users online, ${CHANGED} changed (delta vs full snapshot)`,
    value: delta.ms,
    baseline: full.ms,
    unit: 'ms',
    ratio: delta.ms / full.ms,
  },
]);
client.disconnect();
await server.close();
if (ratio >= 0.02 || delta.full) process.exitCode = 1;
