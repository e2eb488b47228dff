// npm run bench:cluster: the presence server as one in-memory node, one Redis node and three Redis nodes
// (each its own process, one private redis-server), 1,000 clients spread over the nodes and subscribed to
// the online list, one user's status changing 10 times a second on the first node for 5 s. Prints delivery
// latency p50/p99 (same node and across nodes), what was delivered, the time from `kill -9` of a node to
// an observer on another node seeing its user offline (default 5 s lease), and Redis memory per online user.
// On one 2-core machine nodes, Redis and the clients share the CPU: this measures the cost of distribution,
// not scale-out. Then the room case (bench/cluster-rooms.ts: what room presence on the log costs beside
// Redis pub/sub) and the 100,000-user snapshot case (bench/snapshot-case.ts); BENCH_ONLY=rooms or
// BENCH_ONLY=snapshot runs one of them alone.
import { fork, type ChildProcess } from 'node:child_process';
import { createClient } from '@redis/client';
import { WebSocket } from 'ws';
import { startRedis, type TestRedis } from '../test/cluster/redis-server.ts';
import { reportFigures, type BenchFigure } from './report.ts';
import { roomsCase } from './cluster-rooms.ts';
import { snapshotCase } from './snapshot-case.ts';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
const RATE = 10;
const SECONDS = 5;

interface Node {
  child: ChildProcess;
  wsUrl: string;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

function startNode(redis: TestRedis | null, role: string): Promise<Node> {
  const child = fork(new URL('./cluster-node.ts', import.meta.url).pathname, [redis?.url ?? '', role], { execArgv: ['--import', 'tsx'] });
  return new Promise((resolve) => child.once('message', (message: { wsUrl: string }) => resolve({ child, wsUrl: message.wsUrl })));
}

function token(node: Node, userId: string): Promise<string> {
  return new Promise((resolve) => {
    node.child.once('message', (message: { token: string }) => resolve(message.token));
    node.child.send({ type: 'token', userId });
  });
}

/** A client: authenticates, subscribes to the online list, reports each frame to `onFrame`. */
function connect(wsUrl: string, accessToken: string, onFrame: (text: string) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, 'presence.v1');
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token: accessToken })));
    ws.on('message', (data) => {
      const text = String(data);
      if (text.startsWith('{"type":"welcome"')) ws.send(JSON.stringify({ type: 'subscribe', rid: 1, online: true }));
      else if (text.startsWith('{"type":"snapshot"')) resolve(ws);
      else onFrame(text);
    });
  });
}

async function run(label: string, nodeCount: number, useRedis: boolean) {
  const redis = useRedis ? await startRedis() : null;
  const nodes: Node[] = [await startNode(redis, 'first')];
  for (let i = 1; i < nodeCount; i++) nodes.push(await startNode(redis, 'other'));
  const usedBefore = redis ? await redisMemory(redis) : 0;
  const latencies = { same: [] as number[], cross: [] as number[] };
  let delivered = 0;
  let measuring = false;
  const sockets: WebSocket[] = [];
  const tokens = await Promise.all(nodes.map((node) => token(node, 'watcher')));
  for (let i = 0; i < CLIENTS; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, CLIENTS - i) }, (_, j) => {
        const index = (i + j) % nodes.length;
        return connect(nodes[index]!.wsUrl, tokens[index]!, (text) => {
          const at = text.indexOf('"statusMessage":"t=');
          if (!measuring || at === -1) return;
          delivered++;
          (index === 0 ? latencies.same : latencies.cross).push(Date.now() - Number(text.slice(at + 19, at + 32)));
        }).then((ws) => void sockets.push(ws));
      }),
    );
  }
  const usedAfter = redis ? await redisMemory(redis) : 0;
  measuring = true;
  const started = Date.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.floor(((Date.now() - started) / 1000) * RATE);
      for (; sent < due; sent++) nodes[0]!.child.send({ type: 'update', t: Date.now() });
      if (Date.now() - started >= SECONDS * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  measuring = false;

  // Failover: a victim on the last node, an observer on the first; kill -9 the last node.
  let failoverMs = NaN;
  if (nodeCount > 1) {
    const last = nodes.at(-1)!;
    let offlineAt = 0;
    let killedAt = 0;
    await connect(nodes[0]!.wsUrl, tokens[0]!, (text) => {
      if (killedAt && !offlineAt && text.includes('"userId":"victim"') && text.includes('"online":false')) offlineAt = Date.now();
    });
    await connect(last.wsUrl, await token(last, 'victim'), () => {});
    await new Promise((resolve) => setTimeout(resolve, 500));
    killedAt = Date.now();
    last.child.kill('SIGKILL');
    for (let i = 0; i < 300 && !offlineAt; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    failoverMs = offlineAt ? offlineAt - killedAt : NaN;
  }
  for (const ws of sockets) ws.terminate();
  for (const node of nodes) node.child.kill('SIGKILL');
  await redis?.stop();
  return {
    label,
    expected: sent * CLIENTS,
    delivered,
    same: { p50: percentile(latencies.same, 50), p99: percentile(latencies.same, 99) },
    cross: { p50: percentile(latencies.cross, 50), p99: percentile(latencies.cross, 99) },
    failoverMs,
    redisBytesPerUser: redis ? (usedAfter - usedBefore) / CLIENTS : NaN,
  };
}

async function redisMemory(redis: TestRedis): Promise<number> {
  const client = createClient({ url: redis.url });
  await client.connect();
  const info = String(await client.sendCommand(['INFO', 'memory']));
  await client.destroy();
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);
}

console.log(
  `bench:cluster (loopback, one 2-core machine: nodes, Redis and ${CLIENTS} clients share it; ${RATE} changes/s for ${SECONDS} s on the first node)\n`,
);
const only = process.env.BENCH_ONLY;
const results = only ? [] : [await run('one node, in memory', 1, false), await run('one node, Redis', 1, true), await run('three nodes, Redis', 3, true)];
const rooms = only === 'snapshot' ? { lines: [], figures: [] } : await roomsCase();
console.log(`${rooms.lines.join('\n')}\n`);
const snapshot = only === 'rooms' ? { lines: [], figures: [] } : await snapshotCase();
console.log(`${snapshot.lines.join('\n')}\n`);
if (only) {
  reportFigures('bench:cluster', [...rooms.figures, ...snapshot.figures]);
  process.exit(0);
}
console.log(
  '| configuration | delivered / expected | p50 / p99 ms, same node | p50 / p99 ms, other nodes | kill -9 → offline seen elsewhere | Redis bytes per connection |',
);
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of results) {
  const fmt = (l: { p50: number; p99: number }) => (Number.isNaN(l.p50) ? '—' : `${l.p50} / ${l.p99}`);
  console.log(
    `| ${r.label} | ${r.delivered} / ${r.expected} | ${fmt(r.same)} | ${fmt(r.cross)} | ${Number.isNaN(r.failoverMs) ? '—' : `${(r.failoverMs / 1000).toFixed(1)} s`} | ${Number.isNaN(r.redisBytesPerUser) ? '—' : r.redisBytesPerUser.toFixed(0)} |`,
  );
}
const [memory, single, three] = results as [(typeof results)[0], (typeof results)[0], (typeof results)[0]];
const figures: BenchFigure[] = [
  ...rooms.figures,
  ...snapshot.figures,
  {
    figure: `cluster: p99 delivery across nodes, ${CLIENTS} clients, 3 Redis nodes`,
    value: three.cross.p99,
    baseline: memory.same.p99,
    unit: 'ms',
    ratio: three.cross.p99 / memory.same.p99,
    goal: '<= 50 ms',
    met: three.cross.p99 <= 50,
  },
  {
    figure: `cluster: p50 delivery across nodes, ${CLIENTS} clients, 3 Redis nodes`,
    value: three.cross.p50,
    baseline: memory.same.p50,
    unit: 'ms',
    ratio: three.cross.p50 / memory.same.p50,
  },
  {
    figure: `cluster: p99 delivery, one Redis node vs in memory`,
    value: single.same.p99,
    baseline: memory.same.p99,
    unit: 'ms',
    ratio: single.same.p99 / memory.same.p99,
  },
  {
    figure: 'cluster: kill -9 of a node → its user offline on another node (lease 5 s)',
    value: three.failoverMs / 1000,
    unit: 's',
    goal: '<= 10 s',
    met: three.failoverMs <= 10_000,
  },
  { figure: 'cluster: Redis memory per connection', value: three.redisBytesPerUser, unit: 'B' },
];
console.log(
  `\nthree nodes: p99 across nodes ${three.cross.p99} ms (goal <= 50 ms: ${three.cross.p99 <= 50 ? 'met' : 'NOT met'}); failover ${(three.failoverMs / 1000).toFixed(1)} s (goal <= 10 s)`,
);
reportFigures('bench:cluster', figures);
