// The server side of `npm run bench:audience`, in its own process: the presence server with every change
// to every online-list watcher ("before": announceMax out of reach), with occupancy mode and windows
// ("after": the defaults), or a bare `ws` server broadcasting every change to everyone ("bare"); the same
// two for one room everyone is in ("room-before": roomAnnounceMax out of reach; "room-after"). Its N users
// each change state once every 30 s (online and away in turn, with a timestamped status message), driven
// here so the client process only reads.
import { WebSocketServer } from 'ws';
import { createPresenceServer } from '../src/server/index.ts';

const mode = process.argv[2] as 'before' | 'after' | 'bare' | 'room-before' | 'room-after';
const users = Number(process.argv[3]);
const PERIOD_MS = 30_000;
const TICK_MS = 50;

const stats = () => {
  const memory = process.memoryUsage();
  return { cpu: process.cpuUsage(), rss: memory.rss, heapUsed: memory.heapUsed };
};
const ids = Array.from({ length: users }, (_, i) => `u${String(i).padStart(5, '0')}`);
let change: (id: string, away: boolean, t: number) => void;
let tokens: string[] = [];
let wsUrl: string;

if (mode === 'bare') {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  wsUrl = `ws://127.0.0.1:${(wss.address() as { port: number }).port}`;
  let seq = 0;
  change = (id, away, t) => {
    // The frame the presence server sends for this change, built once and sent to everyone.
    const frame = JSON.stringify({
      type: 'presence',
      seq: ++seq,
      userId: id,
      presence: {
        online: true,
        status: away ? 'away' : 'online',
        statusMessage: `t=${t}`,
        statusEmoji: null,
        statusExpiresAt: null,
        custom: null,
        callStatus: 'available',
        lastOnline: null,
        utcOffset: null,
        updatedAt: new Date(t).toISOString(),
      },
    });
    for (const client of wss.clients) client.send(frame);
  };
  tokens = ids.map(() => '');
} else {
  // Every benchmark client comes from 127.0.0.1: lift the per-address caps that would (rightly) refuse
  // that many from one client in production.
  const server = await createPresenceServer({
    port: 0,
    host: '127.0.0.1',
    maxConnectionsPerIp: 100_000,
    ...(mode === 'before' ? { announceMax: Number.MAX_SAFE_INTEGER } : {}),
    ...(mode === 'room-before' ? { roomAnnounceMax: Number.MAX_SAFE_INTEGER } : {}),
    limits: { handshakesPerSecond: 100_000, framesPerSecond: 1_000, snapshotUsersPerSecondTotal: 1e9 },
  });
  wsUrl = server.wsUrl;
  ids.forEach((id, i) => server.controls.createUser({ id, username: id, displayName: `Person ${i}` }));
  tokens = ids.map((id) => server.mintTokens(id).accessToken);
  // In a room the clients change their own room presence (the benchmark's process sends it).
  change = mode.startsWith('room') ? () => {} : (id, away, t) => server.controls.setPresence(id, { status: away ? 'away' : 'online', statusMessage: `t=${t}` });
}

// Who changes next, in an order unrelated to the list's (by name): a shuffle with a fixed seed.
const order = [...ids];
let seed = 42;
for (let i = order.length - 1; i > 0; i--) {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  const j = seed % (i + 1);
  [order[i], order[j]] = [order[j]!, order[i]!];
}

let timer: ReturnType<typeof setInterval> | undefined;
let changes = 0;
process.on('message', (message: { type: string }) => {
  if (message.type === 'start') {
    const started = Date.now();
    let next = 0;
    timer = setInterval(() => {
      // Each user once per period, spread evenly: N / 30 changes a second.
      const due = Math.floor(((Date.now() - started) / PERIOD_MS) * users);
      // A server that cannot keep up is offered no more than it applies in most of a tick: what it
      // sustained shows as a lower changes/s, and its answers to the benchmark (stats) still come.
      const until = Date.now() + TICK_MS * 0.8;
      for (; next < due && Date.now() < until; next++) {
        change(order[next % users]!, Math.floor(next / users) % 2 === 0, Date.now());
        changes++;
      }
      next = due;
    }, TICK_MS);
  }
  if (message.type === 'stop') clearInterval(timer);
  if (message.type === 'stats') process.send!({ type: 'stats', changes, ...stats() });
});
process.send!({ type: 'ready', wsUrl, ids, tokens });
