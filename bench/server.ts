// npm run bench:server: C clients (1,000 and 5,000) on loopback, each subscribed to the online list,
// while U status changes a second fan out to all of them; the presence server beside a bare `ws` server
// broadcasting the same frames to the same clients, in the same run. Two loads per size: a light one
// (10 changes/s: delivery latency as a user feels it) and a saturating one (250,000 messages/s offered:
// the most either server delivers). Prints delivered messages per second, p50/p99 delivery latency,
// server CPU, and server memory per idle connection.
import { fork } from 'node:child_process';
import { WebSocket } from 'ws';
import { ask } from './ipc.ts';
import { reportFigures, type BenchFigure } from './report.ts';

const SIZES = (process.env.BENCH_CLIENTS ?? '1000,5000').split(',').map(Number);
const LIGHT_RATE = Number(process.env.BENCH_RATE ?? 10);
/** Offered fan-out at the saturating load, in messages a second (status changes/s × clients). */
const SATURATING_MESSAGES = Number(process.env.BENCH_SATURATING ?? 250_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
/** `--idle`: only memory per idle connection (no load); `--check`: exit 1 above its budget (CI runs both). */
const IDLE_ONLY = process.argv.includes('--idle');
const CHECK = process.argv.includes('--check');
/** Memory per idle authenticated connection, heap and buffers (issue 19: 7.9 KB before, goal 5 KB). */
const IDLE_BUDGET_BYTES = 5 * 1024;

interface Stats {
  cpu: NodeJS.CpuUsage;
  heapUsed: number;
  rss: number;
  external: number;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

async function run(mode: 'kit' | 'bare', clients: number, rate: number) {
  const child = fork(new URL('./server-child.ts', import.meta.url).pathname, [mode], { execArgv: ['--expose-gc', '--import', 'tsx'] });
  const { wsUrl, token } = await new Promise<{ wsUrl: string; token: string }>((resolve) => child.once('message', resolve as never));
  const idle = await ask<Stats>(child, 'stats');
  const latencies: number[] = [];
  let delivered = 0;
  let lastDeliveryAt = 0;
  let measuring = false;
  const sockets: WebSocket[] = [];
  for (let i = 0; i < clients; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, clients - i) }, async () => {
        const ws = new WebSocket(wsUrl, mode === 'kit' ? 'presence.v1' : undefined);
        sockets.push(ws);
        await new Promise<void>((resolve, reject) => {
          ws.once('error', reject);
          ws.on('message', (data) => {
            const text = String(data);
            if (mode === 'kit' && text.startsWith('{"type":"welcome"')) ws.send(JSON.stringify({ type: 'subscribe', online: true }));
            else if (mode === 'kit' && text.startsWith('{"type":"snapshot"')) resolve();
            const at = text.indexOf('"statusMessage":"t=');
            if (measuring && at !== -1 && text.startsWith('{"type":"presence"')) {
              delivered++;
              lastDeliveryAt = Date.now();
              latencies.push(lastDeliveryAt - Number(text.slice(at + 19, at + 32)));
            }
          });
          ws.once('open', () => (mode === 'kit' ? ws.send(JSON.stringify({ type: 'auth', token })) : resolve()));
        });
      }),
    );
  }
  const connected = await ask<Stats>(child, 'stats');
  measuring = true;
  const before = await ask<Stats>(child, 'stats');
  const started = Date.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.floor(((Date.now() - started) / 1000) * rate);
      while (sent < due) child.send({ type: 'update', speaker: sent++ % 20, t: Date.now() });
      if (Date.now() - started >= SECONDS * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  const wall = (Date.now() - started) / 1000;
  const after = await ask<Stats>(child, 'stats');
  // Under a saturating load the backlog drains after the last send: wait for it (or for 3 s of silence).
  for (let seen = -1; seen !== delivered && delivered < sent * clients;) {
    seen = delivered;
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
  measuring = false;
  const cpuSeconds = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1e6;
  for (const ws of sockets) ws.terminate();
  child.kill();
  return {
    mode,
    clients,
    sent,
    expected: sent * clients,
    rate,
    /** From the first send to the last delivery, so a backlog drained late counts against it. */
    deliveredPerSecond: delivered / ((lastDeliveryAt - started) / 1000),
    delivered,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuPercent: (cpuSeconds / wall) * 100,
    bytesPerConnection: (connected.heapUsed + connected.external - idle.heapUsed - idle.external) / clients,
    rssPerConnection: (connected.rss - idle.rss) / clients,
  };
}

console.log(
  `bench:server (loopback, server in its own process; ${SECONDS} s per run; light load ${LIGHT_RATE} status changes/s, saturating load ${SATURATING_MESSAGES} messages/s offered)\n`,
);
const results: Array<Awaited<ReturnType<typeof run>>> = [];
for (const clients of SIZES) {
  for (const rate of IDLE_ONLY ? [0] : [LIGHT_RATE, Math.ceil(SATURATING_MESSAGES / clients)]) {
    results.push(await run('bare', clients, rate));
    results.push(await run('kit', clients, rate));
  }
}
console.log(
  '| clients | changes/s | server | delivered / expected | delivered msg/s | p50 ms | p99 ms | server CPU % | heap+buffers / idle connection | RSS / idle connection |',
);
console.log('|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(
    `| ${r.clients} | ${r.rate} | ${r.mode === 'kit' ? 'presence-kit' : 'bare ws broadcast'} | ${r.delivered} / ${r.expected} | ${r.deliveredPerSecond.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.cpuPercent.toFixed(0)} | ${(r.bytesPerConnection / 1024).toFixed(1)} KB | ${(r.rssPerConnection / 1024).toFixed(1)} KB |`,
  );
}
if (IDLE_ONLY) {
  let over = false;
  for (const clients of SIZES) {
    const [kit, bare] = (['kit', 'bare'] as const).map((mode) => results.find((r) => r.mode === mode && r.clients === clients)!.bytesPerConnection);
    over ||= kit! > IDLE_BUDGET_BYTES;
    console.log(
      `N=${clients}: ${(kit! / 1024).toFixed(1)} KB per idle connection (bare ws ${(bare! / 1024).toFixed(1)} KB; goal <= ${IDLE_BUDGET_BYTES / 1024} KB)`,
    );
  }
  if (CHECK && over) {
    console.log('over budget: memory per idle connection grew past 5 KB');
    process.exit(1);
  }
  process.exit(0);
}
const figures: BenchFigure[] = [];
for (const clients of SIZES) {
  const pick = (mode: 'kit' | 'bare', light: boolean) => results.find((r) => r.mode === mode && r.clients === clients && (r.rate === LIGHT_RATE) === light)!;
  const [kitLight, bareLight, kitSaturated, bareSaturated] = [pick('kit', true), pick('bare', true), pick('kit', false), pick('bare', false)];
  const throughput = kitSaturated.deliveredPerSecond / bareSaturated.deliveredPerSecond;
  console.log(
    `N=${clients}: saturated throughput ${(throughput * 100).toFixed(0)}% of bare (goal >= 60%); p99 at ${LIGHT_RATE}/s ${kitLight.p99} ms` +
      `${clients === 1000 ? ' (goal < 250)' : ''}; ${(kitLight.bytesPerConnection / 1024).toFixed(1)} KB per idle connection (goal <= 5)`,
  );
  figures.push(
    {
      figure: `server fan-out, ${clients} clients: delivered msg/s, saturated`,
      value: kitSaturated.deliveredPerSecond,
      baseline: bareSaturated.deliveredPerSecond,
      unit: 'msg/s',
      ratio: throughput,
      goal: 'ratio >= 0.60',
      met: throughput >= 0.6,
    },
    {
      figure: `server fan-out, ${clients} clients: share of offered messages delivered, saturated`,
      value: kitSaturated.delivered / kitSaturated.expected,
      baseline: bareSaturated.delivered / bareSaturated.expected,
      unit: '',
      ratio: kitSaturated.delivered / kitSaturated.expected / (bareSaturated.delivered / bareSaturated.expected),
    },
    {
      figure: `server fan-out, ${clients} clients: p99 delivery at ${LIGHT_RATE} changes/s`,
      value: kitLight.p99,
      baseline: bareLight.p99,
      unit: 'ms',
      ratio: kitLight.p99 / bareLight.p99,
      ...(clients === 1000 ? { goal: '< 250 ms', met: kitLight.p99 < 250 } : {}),
    },
    {
      figure: `server fan-out, ${clients} clients: p50 delivery at ${LIGHT_RATE} changes/s`,
      value: kitLight.p50,
      baseline: bareLight.p50,
      unit: 'ms',
      ratio: kitLight.p50 / bareLight.p50,
    },
    {
      figure: `server fan-out, ${clients} clients: server memory per idle connection`,
      value: kitLight.bytesPerConnection / 1024,
      baseline: bareLight.bytesPerConnection / 1024,
      unit: 'KB',
      ratio: kitLight.bytesPerConnection / bareLight.bytesPerConnection,
      goal: '<= 5 KB',
      met: kitLight.bytesPerConnection <= IDLE_BUDGET_BYTES,
    },
    {
      figure: `server fan-out, ${clients} clients: server CPU, saturated`,
      value: kitSaturated.cpuPercent,
      baseline: bareSaturated.cpuPercent,
      unit: '%',
      ratio: kitSaturated.cpuPercent / bareSaturated.cpuPercent,
    },
  );
}
reportFigures('bench:server', figures);
