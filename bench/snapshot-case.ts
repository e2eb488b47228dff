// bench:cluster's 100,000-user case: one Redis node holding 100,000 users, 10,000 online and 1,000
// uploaded pictures of 200 KB takes a snapshot while a client changes its status every 20 ms. Prints the
// snapshot's bytes and time, the node's largest event-loop stall during it, the status change's p50/p99
// before and during it, and how long a second node takes to start from that snapshot.
import { fork, type ChildProcess } from 'node:child_process';
import { WebSocket } from 'ws';
import { startRedis } from '../test/cluster/redis-server.ts';
import { ask } from './ipc.ts';
import type { BenchFigure } from './report.ts';

const USERS = Number(process.env.BENCH_SNAPSHOT_USERS ?? 100_000);
const ONLINE = USERS / 10;
const PICTURES = Math.min(1_000, USERS);
const PICTURE_BYTES = 200_000;

function startNode(url: string, role: string): { child: ChildProcess; ready: Promise<{ wsUrl: string; maxStallMs: number }> } {
  const child = fork(new URL('./snapshot-node.ts', import.meta.url).pathname, [url, role], { execArgv: ['--import', 'tsx'] });
  return { child, ready: new Promise((resolve) => child.once('message', resolve as never)) };
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? NaN;

/** Runs the case; returns the figures and a table row for the report. */
export async function snapshotCase(): Promise<{ lines: string[]; figures: BenchFigure[] }> {
  const redis = await startRedis();
  const first = startNode(redis.url, 'first');
  const { wsUrl } = await first.ready;
  const populatedAt = performance.now();
  const { token } = await ask<{ token: string }>(first.child, 'populated', {
    type: 'populate',
    users: USERS,
    online: ONLINE,
    pictures: PICTURES,
    pictureBytes: PICTURE_BYTES,
  });
  const populateMs = performance.now() - populatedAt;

  // One client changes its status every 20 ms and times each acknowledgement.
  const ws = new WebSocket(wsUrl, 'presence.v1');
  await new Promise((resolve) => ws.once('open', resolve));
  const sentAt = new Map<number, number>();
  const rtts: Array<{ at: number; ms: number }> = [];
  ws.on('message', (data) => {
    const text = String(data);
    if (!text.startsWith('{"type":"ack"')) return;
    const rid = Number(/"rid":(\d+)/.exec(text)?.[1]);
    const started = sentAt.get(rid);
    if (started !== undefined) rtts.push({ at: started, ms: performance.now() - started });
  });
  ws.send(JSON.stringify({ type: 'auth', token }));
  await new Promise((resolve) => setTimeout(resolve, 300));
  let rid = 0;
  const driver = setInterval(() => {
    sentAt.set(++rid, performance.now());
    ws.send(JSON.stringify({ type: 'set-presence', rid, patch: { statusMessage: `n${rid}` } }));
  }, 20);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const snapshotStart = performance.now();
  const taken = await ask<{ result: { bytes: number; ms: number } | null; maxStallMs: number }>(first.child, 'snapshot');
  const snapshotEnd = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 500));
  clearInterval(driver);
  ws.close();
  const before = rtts.filter((rtt) => rtt.at < snapshotStart).map((rtt) => rtt.ms);
  const during = rtts.filter((rtt) => rtt.at >= snapshotStart && rtt.at <= snapshotEnd).map((rtt) => rtt.ms);

  const second = startNode(redis.url, 'second');
  const startedAt = performance.now();
  const { maxStallMs: startupStallMs } = await second.ready;
  const startupMs = performance.now() - startedAt;
  for (const child of [first.child, second.child]) child.kill('SIGKILL');
  await redis.stop();

  const bytes = taken.result?.bytes ?? NaN;
  const lines = [
    `snapshot, ${USERS.toLocaleString('en')} users, ${ONLINE.toLocaleString('en')} online, ${PICTURES} pictures of ${PICTURE_BYTES / 1000} KB (state built in ${(populateMs / 1000).toFixed(1)} s):`,
    '| snapshot bytes | snapshot time ms | largest event-loop stall ms | status change p50 / p99 ms before | p50 / p99 ms during | changes timed during | start-up of a node from it ms | its largest stall ms |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${bytes.toLocaleString('en')} | ${taken.result?.ms.toFixed(0)} | ${taken.maxStallMs.toFixed(1)} | ${percentile(before, 50).toFixed(1)} / ${percentile(before, 99).toFixed(1)} | ${percentile(during, 50).toFixed(1)} / ${percentile(during, 99).toFixed(1)} | ${during.length} | ${startupMs.toFixed(0)} | ${startupStallMs.toFixed(1)} |`,
  ];
  const figures: BenchFigure[] = [
    { figure: `cluster: snapshot of ${USERS} users (${PICTURES} pictures of 200 KB)`, value: bytes / 1e6, unit: 'MB' },
    { figure: `cluster: snapshot of ${USERS} users, time`, value: taken.result?.ms ?? NaN, unit: 'ms' },
    {
      figure: 'cluster: largest event-loop stall while a snapshot is taken',
      value: taken.maxStallMs,
      unit: 'ms',
      goal: '<= 50 ms',
      met: taken.maxStallMs <= 50,
    },
    {
      figure: 'cluster: status change p99 while a snapshot is taken',
      value: percentile(during, 99),
      baseline: percentile(before, 99),
      unit: 'ms',
      ratio: percentile(during, 99) / percentile(before, 99),
    },
    { figure: `cluster: node start-up from a snapshot of ${USERS} users`, value: startupMs, unit: 'ms' },
    {
      figure: 'cluster: largest event-loop stall while a node starts from that snapshot',
      value: startupStallMs,
      unit: 'ms',
      goal: '<= 50 ms',
      met: startupStallMs <= 50,
    },
  ];
  return { lines, figures };
}
