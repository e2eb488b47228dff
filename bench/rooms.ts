// npm run bench:rooms: C clients (1,000 and 5,000) on loopback in rooms of 20, each updating its room
// presence once a second; the presence server beside a bare `ws` server relaying each update to the
// others of its room, in the same run. Prints member updates delivered per second, p50/p99 delivery
// latency, frames per update and server CPU. Then, with every client also on the online list, the
// presence frames one status change causes with `audience: 'shared-rooms'` against `'everyone'`.
import { fork, type ChildProcess } from 'node:child_process';
import { WebSocket } from 'ws';
import { ask } from './ipc.ts';
import { reportFigures, type BenchFigure } from './report.ts';

const SIZES = (process.env.BENCH_CLIENTS ?? '1000,5000').split(',').map(Number);
const ROOM_SIZE = 20;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
/** Status changes made for the audience comparison. */
const STATUS_CHANGES = 50;

interface Stats {
  cpu: NodeJS.CpuUsage;
  rss: number;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function start(mode: 'kit' | 'bare', clients: number, audience: 'everyone' | 'shared-rooms' = 'everyone') {
  const child = fork(new URL('./rooms-child.ts', import.meta.url).pathname, [mode, String(clients), String(ROOM_SIZE), audience], {
    execArgv: ['--import', 'tsx'],
  });
  const ready = await new Promise<{ wsUrl: string; tokens: string[] }>((resolve) => child.once('message', resolve as never));
  return { child, ...ready };
}

/** Opens the clients, 100 at a time: each authenticates (kit), subscribes to the online list if asked, and enters its room. */
async function connect(mode: 'kit' | 'bare', wsUrl: string, tokens: string[], clients: number, online: boolean, onFrame: (i: number, text: string) => void) {
  const sockets: WebSocket[] = [];
  for (let start = 0; start < clients; start += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, clients - start) }, async (_, k) => {
        const i = start + k;
        const room = `room-${Math.floor(i / ROOM_SIZE)}`;
        const ws = new WebSocket(wsUrl, mode === 'kit' ? 'presence.v1' : undefined);
        sockets[i] = ws;
        await new Promise<void>((resolve, reject) => {
          ws.once('error', reject);
          ws.on('message', (data) => {
            const text = String(data);
            if (text.startsWith('{"type":"welcome"')) {
              if (online) ws.send(JSON.stringify({ type: 'subscribe', online: true }));
              ws.send(JSON.stringify({ type: 'room-enter', rid: 1, room, presence: { t: 0 } }));
            } else if (text.startsWith('{"type":"room"')) resolve();
            else onFrame(i, text);
          });
          ws.once('open', () => ws.send(JSON.stringify(mode === 'kit' ? { type: 'auth', token: tokens[i] } : { type: 'enter', room })));
        });
      }),
    );
  }
  return sockets;
}

async function stop(child: ChildProcess, sockets: WebSocket[]) {
  for (const ws of sockets) ws.terminate();
  child.kill();
  await pause(200);
}

/** Every client updates its room presence once a second (spread over the second) for SECONDS. */
async function roomLoad(mode: 'kit' | 'bare', clients: number) {
  const { child, wsUrl, tokens } = await start(mode, clients);
  const latencies: number[] = [];
  let deliveredUpdates = 0;
  let frames = 0;
  let measuring = false;
  let lastDeliveryAt = 0;
  const sockets = await connect(mode, wsUrl, tokens, clients, false, (i, text) => {
    if (!measuring || !text.startsWith('{"type":"room-update"')) return;
    frames++;
    const now = Date.now();
    const message = JSON.parse(text) as { members: Array<{ userId: string; presence: { t: number } | null }> };
    for (const member of message.members) {
      // Others' updates only: the sender's own echo is not a delivery to someone else.
      if (member.userId === `u${i}` || !member.presence?.t) continue;
      deliveredUpdates++;
      lastDeliveryAt = now;
      latencies.push(now - member.presence.t);
    }
  });
  await pause(500);
  measuring = true;
  const before = await ask<Stats>(child, 'stats');
  const started = Date.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = Date.now() - started;
      // Client i sends at i/clients of each second, so the load is even across the second.
      const due = Math.min(clients * SECONDS, Math.floor((elapsed / 1000) * clients));
      for (; sent < due; sent++) {
        const i = sent % clients;
        const presence = { t: Date.now(), cursor: { x: sent % 800, y: sent % 600 } };
        const ws = sockets[i]!;
        ws.send(
          JSON.stringify(mode === 'kit' ? { type: 'room-presence', room: `room-${Math.floor(i / ROOM_SIZE)}`, presence } : { userId: `u${i}`, presence }),
        );
      }
      if (elapsed >= SECONDS * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  const wall = (Date.now() - started) / 1000;
  const after = await ask<Stats>(child, 'stats');
  for (let seen = -1; seen !== deliveredUpdates;) {
    seen = deliveredUpdates;
    await pause(1500);
  }
  measuring = false;
  await stop(child, sockets);
  const expected = sent * (ROOM_SIZE - 1);
  return {
    mode,
    clients,
    sent,
    expected,
    deliveredUpdates,
    deliveredPerSecond: deliveredUpdates / ((lastDeliveryAt - started) / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    framesPerUpdate: frames / sent,
    cpuPercent: ((after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1e6 / wall) * 100,
  };
}

/** Presence frames received for STATUS_CHANGES status changes, every client on the online list. */
async function audienceLoad(clients: number, audience: 'everyone' | 'shared-rooms') {
  const { child, wsUrl, tokens } = await start('kit', clients, audience);
  let frames = 0;
  let measuring = false;
  const sockets = await connect('kit', wsUrl, tokens, clients, true, (_i, text) => {
    if (measuring && text.startsWith('{"type":"presence"')) frames++;
  });
  await pause(500);
  measuring = true;
  // One change each from users spread over the rooms, a few a second.
  for (let k = 0; k < STATUS_CHANGES; k++) {
    await ask(child, 'status', { type: 'status', users: [(k * 97) % clients], t: Date.now() });
    await pause(20);
  }
  for (let seen = -1; seen !== frames;) {
    seen = frames;
    await pause(1000);
  }
  await stop(child, sockets);
  return frames / STATUS_CHANGES;
}

console.log(`bench:rooms (loopback, server in its own process; rooms of ${ROOM_SIZE}; each client updates its room presence once a second for ${SECONDS} s)\n`);
const results: Array<Awaited<ReturnType<typeof roomLoad>>> = [];
for (const clients of SIZES) {
  results.push(await roomLoad('bare', clients));
  results.push(await roomLoad('kit', clients));
}
console.log('| clients | server | updates sent | delivered / expected | delivered updates/s | p50 ms | p99 ms | frames per update | server CPU % |');
console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(
    `| ${r.clients} | ${r.mode === 'kit' ? 'presence-kit' : 'bare ws relay'} | ${r.sent} | ${r.deliveredUpdates} / ${r.expected} | ${r.deliveredPerSecond.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.framesPerUpdate.toFixed(2)} | ${r.cpuPercent.toFixed(0)} |`,
  );
}

// 'everyone' with every client on the online list is N² to set up (each of N snapshots lists N people:
// 25 million views at 5,000): it runs at the smaller size, 'shared-rooms' at both, which is the point.
const SMALL = SIZES[0]!;
const LARGE = SIZES.at(-1)!;
const everyone = await audienceLoad(SMALL, 'everyone');
const sharedSmall = await audienceLoad(SMALL, 'shared-rooms');
const shared = LARGE === SMALL ? sharedSmall : await audienceLoad(LARGE, 'shared-rooms');
console.log(`\n| users online, every one on the online list, rooms of ${ROOM_SIZE} | audience | presence frames per status change |`);
console.log('|---:|---|---:|');
console.log(`| ${SMALL} | 'everyone' | ${everyone.toFixed(1)} |`);
console.log(`| ${SMALL} | 'shared-rooms' | ${sharedSmall.toFixed(1)} |`);
if (LARGE !== SMALL) {
  console.log(`| ${LARGE} | 'everyone' | not run: ${LARGE} snapshots of ${LARGE} people to set up; it would be ${LARGE} |`);
  console.log(`| ${LARGE} | 'shared-rooms' | ${shared.toFixed(1)} |`);
}

const figures: BenchFigure[] = [];
for (const clients of SIZES) {
  const kit = results.find((r) => r.mode === 'kit' && r.clients === clients)!;
  const bare = results.find((r) => r.mode === 'bare' && r.clients === clients)!;
  const all = kit.deliveredUpdates >= kit.expected;
  console.log(
    `N=${clients}: ${kit.deliveredUpdates === kit.expected ? 'all' : `${((kit.deliveredUpdates / kit.expected) * 100).toFixed(1)}% of`} updates delivered, p99 ${kit.p99} ms (bare ${bare.p99} ms)` +
      `${clients === 5000 ? ` (goal at 5,000: all delivered, p99 <= 100 ms: ${all && kit.p99 <= 100 ? 'met' : 'NOT met'})` : ''}; ${kit.framesPerUpdate.toFixed(2)} frames per update`,
  );
  figures.push(
    {
      figure: `rooms of ${ROOM_SIZE}, ${clients} clients: p99 room presence delivery`,
      value: kit.p99,
      baseline: bare.p99,
      unit: 'ms',
      ratio: kit.p99 / bare.p99,
      ...(clients === 5000 ? { goal: '<= 100 ms, all delivered', met: all && kit.p99 <= 100 } : {}),
    },
    {
      figure: `rooms of ${ROOM_SIZE}, ${clients} clients: updates delivered per second`,
      value: kit.deliveredPerSecond,
      baseline: bare.deliveredPerSecond,
      unit: '/s',
    },
    { figure: `rooms of ${ROOM_SIZE}, ${clients} clients: frames per update`, value: kit.framesPerUpdate, baseline: bare.framesPerUpdate, unit: '' },
  );
}
console.log(
  `audience: frames per status change with 'shared-rooms' ${sharedSmall.toFixed(1)} at ${SMALL} online and ${shared.toFixed(1)} at ${LARGE} (rooms of ${ROOM_SIZE}); ` +
    `with 'everyone' ${everyone.toFixed(1)} at ${SMALL} (${(everyone / sharedSmall).toFixed(0)}x)`,
);
figures.push({
  figure: `${LARGE} online in rooms of ${ROOM_SIZE}: presence frames per status change, shared-rooms (baseline: everyone at ${SMALL})`,
  value: shared,
  baseline: everyone,
  unit: 'frames',
  ratio: shared / sharedSmall,
  goal: 'grows with room size, not users online',
  met: shared <= ROOM_SIZE * 1.5 && shared / sharedSmall < 1.5,
});
reportFigures('bench:rooms', figures);
process.exit(0);
