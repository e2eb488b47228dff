// bench:cluster's room case: three Redis nodes (each its own process), C clients spread over them in rooms
// of 20 (a room's members on all three nodes), each updating its room presence once a second. Room presence
// rides the ordered log (an EVAL that XADDs per update), so this prints what that path costs — delivery
// p50/p99 on the member's own node and across nodes, Redis CPU per update, stream entries and snapshots —
// and, in the same run on the same Redis, what the lighter path (PUBLISH to the nodes, no order with
// enters and leaves, no stream) costs for the same messages: the figures the choice of path rests on.
// Two rates: once a second (status-like room presence) and five times a second (cursors, throttled).
import { fork, type ChildProcess } from 'node:child_process';
import { createClient } from '@redis/client';
import { WebSocket } from 'ws';
import { startRedis, type TestRedis } from '../test/cluster/redis-server.ts';
import { ask } from './ipc.ts';
import type { BenchFigure } from './report.ts';

const CLIENTS = Number(process.env.BENCH_ROOM_CLIENTS ?? 1000);
const NODES = 3;
const ROOM_SIZE = 20;
const SECONDS = 8;

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? NaN;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function startNode(url: string, role: string): Promise<{ child: ChildProcess; wsUrl: string }> {
  const child = fork(new URL('./cluster-node.ts', import.meta.url).pathname, [url, role], { execArgv: ['--import', 'tsx'] });
  return new Promise((resolve) => child.once('message', (message: { wsUrl: string }) => resolve({ child, wsUrl: message.wsUrl })));
}

/** Redis' CPU seconds so far and its calls per command. */
async function redisStats(url: string): Promise<{ cpu: number; calls: Map<string, number> }> {
  const client = createClient({ url });
  await client.connect();
  const cpuInfo = String(await client.sendCommand(['INFO', 'cpu']));
  const commandInfo = String(await client.sendCommand(['INFO', 'commandstats']));
  await client.destroy();
  const number = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(cpuInfo)?.[1] ?? NaN);
  const calls = new Map<string, number>();
  for (const match of commandInfo.matchAll(/cmdstat_(\w+):calls=(\d+)/g)) calls.set(match[1]!, Number(match[2]));
  return { cpu: number('used_cpu_user') + number('used_cpu_sys'), calls };
}

const callsOf = (before: Map<string, number>, after: Map<string, number>, command: string) => (after.get(command) ?? 0) - (before.get(command) ?? 0);

/** Presses `send(k)` `total` times, evenly over SECONDS. */
async function paced(total: number, send: (k: number) => void): Promise<number> {
  const started = Date.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = Date.now() - started;
      for (const due = Math.min(total, Math.floor((elapsed / (SECONDS * 1000)) * total)); sent < due; sent++) send(sent);
      if (elapsed >= SECONDS * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  return (Date.now() - started) / 1000;
}

async function logPath(redis: TestRedis, rate: number) {
  const nodes = [await startNode(redis.url, 'first')];
  for (let i = 1; i < NODES; i++) nodes.push(await startNode(redis.url, 'other'));
  const { tokens } = await ask<{ tokens: string[] }>(nodes[0]!.child, 'populate', { type: 'populate', count: CLIENTS });
  await pause(1000);
  const nodeOf = (i: number) => i % NODES;
  const latencies = { same: [] as number[], cross: [] as number[] };
  let delivered = 0;
  let frames = 0;
  let measuring = false;
  const sockets: WebSocket[] = [];
  for (let start = 0; start < CLIENTS; start += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, CLIENTS - start) }, (_, k) => {
        const i = start + k;
        const ws = new WebSocket(nodes[nodeOf(i)]!.wsUrl, 'presence.v1');
        sockets[i] = ws;
        return new Promise<void>((resolve, reject) => {
          ws.once('error', reject);
          ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token: tokens[i] })));
          ws.on('message', (data) => {
            const text = String(data);
            if (text.startsWith('{"type":"welcome"'))
              ws.send(JSON.stringify({ type: 'room-enter', rid: 1, room: `room-${Math.floor(i / ROOM_SIZE)}`, presence: { t: 0 } }));
            else if (text.startsWith('{"type":"room"')) resolve();
            else if (measuring && text.startsWith('{"type":"room-update"')) {
              frames++;
              const now = Date.now();
              for (const member of (JSON.parse(text) as { members: Array<{ userId: string; presence: { t: number; i: number } | null }> }).members) {
                if (member.userId === `u${i}` || !member.presence?.t) continue;
                delivered++;
                (nodeOf(member.presence.i) === nodeOf(i) ? latencies.same : latencies.cross).push(now - member.presence.t);
              }
            }
          });
        });
      }),
    );
  }
  await pause(1000);
  measuring = true;
  const before = await redisStats(redis.url);
  const cpuBefore = await Promise.all(nodes.map((node) => ask<{ cpu: NodeJS.CpuUsage }>(node.child, 'stats')));
  const total = CLIENTS * SECONDS * rate;
  const wall = await paced(total, (k) => {
    const i = k % CLIENTS;
    sockets[i]!.send(
      JSON.stringify({ type: 'room-presence', room: `room-${Math.floor(i / ROOM_SIZE)}`, presence: { t: Date.now(), i, cursor: { x: k % 800, y: k % 600 } } }),
    );
  });
  const after = await redisStats(redis.url);
  const cpuAfter = await Promise.all(nodes.map((node) => ask<{ cpu: NodeJS.CpuUsage }>(node.child, 'stats')));
  for (let seen = -1; seen !== delivered;) {
    seen = delivered;
    await pause(1500);
  }
  measuring = false;
  for (const ws of sockets) ws.terminate();
  for (const node of nodes) node.child.kill('SIGKILL');
  const nodeCpu = cpuAfter.reduce((sum, cpu, n) => sum + cpu.cpu.user + cpu.cpu.system - cpuBefore[n]!.cpu.user - cpuBefore[n]!.cpu.system, 0) / 1e6;
  return {
    sent: total,
    expected: total * (ROOM_SIZE - 1),
    delivered,
    framesPerUpdate: frames / total,
    same: { p50: percentile(latencies.same, 50), p99: percentile(latencies.same, 99) },
    cross: { p50: percentile(latencies.cross, 50), p99: percentile(latencies.cross, 99) },
    redisCpuPerUpdateUs: ((after.cpu - before.cpu) / total) * 1e6,
    entries: callsOf(before.calls, after.calls, 'eval'),
    snapshots: callsOf(before.calls, after.calls, 'rename'),
    nodeCpuPercent: (nodeCpu / wall / NODES) * 100,
  };
}

/** The lighter path alone: the same messages PUBLISHed to one channel the three nodes subscribe to. */
async function pubSubPath(redis: TestRedis, rate: number) {
  const publisher = createClient({ url: redis.url });
  await publisher.connect();
  const latencies: number[] = [];
  const subscribers = await Promise.all(
    Array.from({ length: NODES }, async () => {
      const subscriber = createClient({ url: redis.url });
      await subscriber.connect();
      await subscriber.subscribe('bench:room-presence', (message) => {
        latencies.push(Date.now() - (JSON.parse(message) as { presence: { t: number } }).presence.t);
      });
      return subscriber;
    }),
  );
  const before = await redisStats(redis.url);
  const total = CLIENTS * SECONDS * rate;
  await paced(total, (k) => {
    const i = k % CLIENTS;
    const entry = {
      type: 'room-presence',
      connection: `n/${i}`,
      room: `room-${Math.floor(i / ROOM_SIZE)}`,
      presence: { t: Date.now(), i, cursor: { x: k % 800, y: k % 600 } },
    };
    void publisher.publish('bench:room-presence', JSON.stringify(entry));
  });
  for (let seen = -1; seen !== latencies.length;) {
    seen = latencies.length;
    await pause(500);
  }
  const after = await redisStats(redis.url);
  for (const client of [publisher, ...subscribers]) await client.destroy();
  return {
    received: latencies.length,
    expected: total * NODES,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    // The stats client's own INFO calls are in both measures alike.
    redisCpuPerUpdateUs: ((after.cpu - before.cpu) / total) * 1e6,
  };
}

/** Runs the case at each rate; returns a table for the report and its figures. */
export async function roomsCase(rates = [1, 5]): Promise<{ lines: string[]; figures: BenchFigure[] }> {
  const fmt = (l: { p50: number; p99: number }) => `${l.p50} / ${l.p99}`;
  const lines = [
    `rooms on ${NODES} Redis nodes: ${CLIENTS} clients in rooms of ${ROOM_SIZE} (each room's members on every node), each updating its room presence at the rate given for ${SECONDS} s`,
    '',
    '| updates/s per client | path | delivered / expected | p50 / p99 ms, same node | p50 / p99 ms, other nodes | frames per update | Redis CPU µs per update | Redis script calls (batches) | snapshots stored | node CPU % (mean of 3) |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const figures: BenchFigure[] = [];
  for (const rate of rates) {
    const redis = await startRedis();
    const log = await logPath(redis, rate);
    const pubSub = await pubSubPath(redis, rate);
    await redis.stop();
    lines.push(
      `| ${rate} | ordered log (what ships) | ${log.delivered} / ${log.expected} | ${fmt(log.same)} | ${fmt(log.cross)} | ${log.framesPerUpdate.toFixed(2)} | ${log.redisCpuPerUpdateUs.toFixed(1)} | ${log.entries} | ${log.snapshots} | ${log.nodeCpuPercent.toFixed(0)} |`,
      `| ${rate} | Redis PUBLISH to ${NODES} subscribers, same messages (Redis hop only) | ${pubSub.received} / ${pubSub.expected} messages | — | ${fmt(pubSub)} (hop only) | — | ${pubSub.redisCpuPerUpdateUs.toFixed(1)} | — | 0 | — |`,
    );
    figures.push(
      {
        figure: `cluster rooms: p99 room presence delivery across nodes, ${CLIENTS} clients at ${rate}/s, ${NODES} Redis nodes (baseline: same node)`,
        value: log.cross.p99,
        baseline: log.same.p99,
        unit: 'ms',
        ratio: log.cross.p99 / log.same.p99,
        goal: '<= 100 ms, all delivered',
        met: log.cross.p99 <= 100 && log.delivered >= log.expected,
      },
      {
        figure: `cluster rooms: Redis CPU per room presence update at ${CLIENTS * rate}/s, log (baseline: PUBLISH)`,
        value: log.redisCpuPerUpdateUs,
        baseline: pubSub.redisCpuPerUpdateUs,
        unit: 'µs',
        ratio: log.redisCpuPerUpdateUs / pubSub.redisCpuPerUpdateUs,
      },
    );
  }
  return { lines, figures };
}
