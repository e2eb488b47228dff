// npm run bench:audience: N clients (5,000 and 10,000), each signed in as its own user and watching the
// online list of one node, while every user changes state once every 30 s (N / 30 changes a second).
// Three servers in one run: a bare `ws` server broadcasting every change to everyone (the baseline, as in
// bench:server), the presence server sending every change to every watcher ("before": announceMax out of
// reach) and the presence server as shipped ("after": occupancy mode, each client watching a window of the
// first 60 rows, as an OnlineList at the top of the list does). Clients subscribe from their welcome's
// cursor, so what is measured is the steady state, not N snapshots of N people. Prints frames received a
// second, frames per change, p50/p99 latency of a change to a watcher of that row, server CPU and RSS.
// BENCH_MODES=room-before,room-after measures one room all N are in, each member changing its room presence
// once every 30 s ("after": each watching a window of its first 60 members, as a RoomMemberList at the top).
// `--check`: exit 1 when "after" at the largest size misses p99 <= 200 ms.
import { fork } from 'node:child_process';
import { WebSocket } from 'ws';
import { ask } from './ipc.ts';
import { reportFigures, type BenchFigure } from './report.ts';

const SIZES = (process.env.BENCH_CLIENTS ?? '5000,10000').split(',').map(Number);
const MODES = (process.env.BENCH_MODES ?? 'bare,before,after').split(',') as Mode[];
const WARMUP_S = 3;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WINDOW_ROWS = 60;
const P99_GOAL_MS = 200;
const CHECK = process.argv.includes('--check');

type Mode = 'bare' | 'before' | 'after' | 'room-before' | 'room-after';
const ROOM = 'hall:bench';
interface Stats {
  cpu: NodeJS.CpuUsage;
  rss: number;
  changes: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(mode: Mode, clients: number) {
  const child = fork(new URL('./audience-child.ts', import.meta.url).pathname, [mode, String(clients)], {
    execArgv: ['--import', 'tsx', '--max-old-space-size=8192'],
  });
  const ready = await new Promise<{ wsUrl: string; ids: string[]; tokens: string[] }>((resolve) => child.once('message', resolve as never));
  let measuring = false;
  let frames = 0;
  let changeFrames = 0;
  let countFrames = 0;
  let closedEarly = 0;
  const latencies: number[] = [];
  const sockets: WebSocket[] = [];
  /** Each client's welcome cursor, and what resolves once its subscription is answered. */
  const cursors = new Map<WebSocket, number>();
  const answered = new Map<WebSocket, () => void>();
  // Everyone signs in first and subscribes after: signing in while others watch would cost N² frames
  // before the measurement starts (half an hour at 10,000 for "before").
  for (let i = 0; i < clients; i += 200) {
    await Promise.all(
      ready.ids.slice(i, i + 200).map(async (id, k) => {
        const ws = new WebSocket(ready.wsUrl, mode === 'bare' ? undefined : 'presence.v1');
        sockets.push(ws);
        const own = `"userId":"${id}"`;
        await new Promise<void>((resolve, reject) => {
          ws.once('error', reject);
          ws.once('close', (code, reason) => (measuring ? closedEarly++ : reject(new Error(`client ${id} closed: ${code} ${String(reason)}`))));
          ws.on('message', (data) => {
            const text = String(data);
            if (text.startsWith('{"type":"welcome"')) {
              cursors.set(ws, Number(/"seq":(\d+)/.exec(text.slice(text.lastIndexOf('"seq":')))![1]));
              return resolve();
            }
            const answer = { after: '{"type":"online-rows","rid"', 'room-after': '{"type":"room-rows","rid"', 'room-before': '{"type":"room","rid"' }[
              mode as string
            ];
            if (text.startsWith(answer ?? '{"type":"snapshot"')) return answered.get(ws)?.();
            if (text.startsWith('{"type":"error"')) throw new Error(`client ${id}: ${text}`);
            if (!measuring) return;
            frames++;
            if (text.startsWith('{"type":"room-update"') || text.startsWith('{"type":"room-rows"')) {
              // Each other member's change in it, stamped by its sender.
              // Read by pattern, as the other modes are: parsing ten thousand sockets' frames would be the
              // benchmark's own bottleneck, not the server's.
              const now = Date.now();
              for (const [, userId, t] of text.matchAll(/"userId":"([^"]+)","presence":\{"t":(\d+)\}/g)) {
                if (userId === id) continue;
                changeFrames++;
                latencies.push(now - Number(t));
              }
            } else if (text.startsWith('{"type":"presence"')) {
              if (text.includes(own)) return;
              changeFrames++;
              const at = text.indexOf('"statusMessage":"t=');
              if (at !== -1) latencies.push(Date.now() - Number(text.slice(at + 19, at + 32)));
            } else countFrames++;
          });
          ws.once('open', () => (mode === 'bare' ? resolve() : ws.send(JSON.stringify({ type: 'auth', token: ready.tokens[i + k] }))));
        });
      }),
    );
  }
  const inRoom = mode.startsWith('room');
  if (mode !== 'bare') {
    for (let i = 0; i < clients; i += 200) {
      await Promise.all(
        sockets.slice(i, i + 200).map(
          (ws) =>
            new Promise<void>((resolve) => {
              answered.set(ws, resolve);
              if (inRoom) ws.send(JSON.stringify({ type: 'room-enter', rid: 1, room: ROOM, presence: null }));
              else ws.send(JSON.stringify({ type: 'subscribe', rid: 1, online: true, from: cursors.get(ws) }));
              if (mode === 'after') ws.send(JSON.stringify({ type: 'online-window', rid: 2, from: 0, count: WINDOW_ROWS }));
              if (mode === 'room-after') ws.send(JSON.stringify({ type: 'room-window', rid: 2, room: ROOM, from: 0, count: WINDOW_ROWS }));
            }),
        ),
      );
    }
  }
  child.send({ type: 'start' });
  // In a room, each client changes its own room presence once every 30 s, spread evenly, stamped.
  let roomChanges = 0;
  const started = Date.now();
  // Who changes next, in an order unrelated to the room's (by name): a shuffle with a fixed seed, as the server's process does.
  const order = sockets.map((_, i) => i);
  let seed = 42;
  for (let i = order.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const driver = inRoom
    ? setInterval(() => {
        const due = Math.floor(((Date.now() - started) / 30_000) * clients);
        for (; roomChanges < due; roomChanges++) {
          sockets[order[roomChanges % clients]!]!.send(JSON.stringify({ type: 'room-presence', room: ROOM, presence: { t: Date.now() } }));
        }
      }, 50)
    : undefined;
  await wait(WARMUP_S * 1000);
  const before = await ask<Stats>(child, 'stats');
  const changedBefore = roomChanges;
  measuring = true;
  const measured = Date.now();
  await wait(SECONDS * 1000);
  measuring = false;
  const after = await ask<Stats>(child, 'stats');
  const wall = (Date.now() - measured) / 1000;
  clearInterval(driver);
  if (inRoom) [before.changes, after.changes] = [changedBefore, roomChanges];
  child.send({ type: 'stop' });
  for (const ws of sockets) ws.terminate();
  child.kill();
  latencies.sort((a, b) => a - b);
  const changes = after.changes - before.changes;
  return {
    mode,
    clients,
    changesPerSecond: changes / wall,
    framesPerSecond: frames / wall,
    /** Change frames to watchers per change (not counting the owner's own). */
    perChange: changeFrames / changes,
    countFramesPerSecond: countFrames / wall,
    /** Share of the changes' frames every other watcher should have had that arrived (before and bare). */
    delivered: changeFrames / (changes * (clients - 1)),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuPercent: ((after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1e6 / wall) * 100,
    rssMb: after.rss / 1024 / 1024,
    closedEarly,
  };
}

console.log(
  `bench:audience (loopback, server in its own process; each user changes state once every 30 s; ${WARMUP_S} s warm-up, ${SECONDS} s measured; "after" clients watch rows 0-${WINDOW_ROWS - 1})\n`,
);
const results: Array<Awaited<ReturnType<typeof run>>> = [];
for (const clients of SIZES) for (const mode of MODES) results.push(await run(mode, clients));

const label = {
  bare: 'bare ws broadcast',
  before: 'presence-kit, every change to every watcher',
  after: 'presence-kit, occupancy + windows',
  'room-before': 'one room, every change to every member',
  'room-after': 'one room, occupancy + windows',
};
console.log(
  '| clients | server | changes/s | frames/s received | change frames per change | count/row frames/s | delivered | p50 ms | p99 ms | server CPU % | server RSS MB | cut off |',
);
console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(
    `| ${r.clients} | ${label[r.mode]} | ${r.changesPerSecond.toFixed(0)} | ${r.framesPerSecond.toFixed(0)} | ${r.perChange.toFixed(1)} | ${r.countFramesPerSecond.toFixed(0)} | ${r.mode.endsWith('after') ? 'n/a' : `${(r.delivered * 100).toFixed(1)}%`} | ${r.p50} | ${r.p99} | ${r.cpuPercent.toFixed(0)} | ${r.rssMb.toFixed(0)} | ${r.closedEarly} |`,
  );
}

const figures: BenchFigure[] = [];
let missed = false;
for (const clients of SIZES) {
  const pick = (mode: Mode) => results.find((r) => r.mode === mode && r.clients === clients);
  const [bare, before, after] = [pick('bare'), pick('before'), pick('after')];
  if (!after) continue;
  const baseline = before ?? bare;
  if (baseline) {
    figures.push({
      figure: `audience, ${clients} clients: frames/s sent, after vs ${baseline.mode}`,
      value: after.framesPerSecond,
      baseline: baseline.framesPerSecond,
      unit: 'frames/s',
      ratio: after.framesPerSecond / baseline.framesPerSecond,
    });
    figures.push({
      figure: `audience, ${clients} clients: server CPU, after vs ${baseline.mode}`,
      value: after.cpuPercent,
      baseline: baseline.cpuPercent,
      unit: '%',
    });
  }
  const met = after.p99 <= P99_GOAL_MS && after.closedEarly === 0;
  if (clients === Math.max(...SIZES)) missed = !met;
  figures.push({
    figure: `audience, ${clients} clients: p99 of a change to a watcher of its row, after`,
    value: after.p99,
    ...(baseline ? { baseline: baseline.p99 } : {}),
    unit: 'ms',
    goal: `<= ${P99_GOAL_MS} ms`,
    met,
  });
  console.log(
    `N=${clients}: after sends ${after.framesPerSecond.toFixed(0)} frames/s (${after.perChange.toFixed(1)} per change + ${after.countFramesPerSecond.toFixed(0)} count/row frames/s)` +
      `${before ? `, before ${before.framesPerSecond.toFixed(0)} (${(before.delivered * 100).toFixed(0)}% of what it owed)` : ''}; p99 ${after.p99} ms (goal <= ${P99_GOAL_MS}); server ${after.cpuPercent.toFixed(0)}% CPU, ${after.rssMb.toFixed(0)} MB RSS`,
  );
}
// One room of N: the same comparison, members changing their room presence.
for (const clients of SIZES) {
  const roomBefore = results.find((r) => r.mode === 'room-before' && r.clients === clients);
  const roomAfter = results.find((r) => r.mode === 'room-after' && r.clients === clients);
  if (!roomAfter) continue;
  figures.push({
    figure: `audience, one room of ${clients}: frames/s sent, occupancy + windows${roomBefore ? ' vs every change to every member' : ''}`,
    value: roomAfter.framesPerSecond,
    ...(roomBefore ? { baseline: roomBefore.framesPerSecond, ratio: roomAfter.framesPerSecond / roomBefore.framesPerSecond } : {}),
    unit: 'frames/s',
  });
  figures.push({ figure: `audience, one room of ${clients}: p99 of a change to a watcher of its row`, value: roomAfter.p99, unit: 'ms' });
  console.log(
    `one room of ${clients}: occupancy + windows sends ${roomAfter.framesPerSecond.toFixed(0)} frames/s, p99 ${roomAfter.p99} ms, ${roomAfter.cpuPercent.toFixed(0)}% CPU` +
      (roomBefore
        ? `; every change to every member ${roomBefore.framesPerSecond.toFixed(0)} frames/s (${(roomBefore.delivered * 100).toFixed(0)}% of what it owed), p99 ${roomBefore.p99} ms, ${roomBefore.cpuPercent.toFixed(0)}% CPU`
        : ''),
  );
}
reportFigures('bench:audience', figures);
if (CHECK && missed) {
  console.log(`over budget: p99 above ${P99_GOAL_MS} ms (or clients cut off) at ${Math.max(...SIZES)} clients`);
  process.exit(1);
}
process.exit(0);
