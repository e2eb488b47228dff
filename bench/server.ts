// npm run bench:server: C clients (1,000 and 5,000) on loopback, each subscribed to the online list,
// while U status changes a second fan out to all of them; the presence server beside a bare `ws` server
// broadcasting the same frames to the same clients, in the same run. Prints delivered messages per second,
// p50/p99 delivery latency, server CPU, and server memory per idle connection.
import { fork, type ChildProcess } from 'node:child_process';
import { WebSocket } from 'ws';
import { ask } from './ipc.ts';

const SIZES = (process.env.BENCH_CLIENTS ?? '1000,5000').split(',').map(Number);
const RATE = Number(process.env.BENCH_RATE ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

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

async function run(mode: 'kit' | 'bare', clients: number) {
  const child = fork(new URL('./server-child.ts', import.meta.url).pathname, [mode], { execArgv: ['--expose-gc', '--import', 'tsx'] });
  const { wsUrl, token } = await new Promise<{ wsUrl: string; token: string }>((resolve) => child.once('message', resolve as never));
  const idle = await ask<Stats>(child, 'stats');
  const latencies: number[] = [];
  let delivered = 0;
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
              latencies.push(Date.now() - Number(text.slice(at + 19, at + 32)));
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
      const due = Math.floor(((Date.now() - started) / 1000) * RATE);
      while (sent < due) child.send({ type: 'update', speaker: sent++ % 20, t: Date.now() });
      if (Date.now() - started >= SECONDS * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  const wall = (Date.now() - started) / 1000;
  const after = await ask<Stats>(child, 'stats');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  measuring = false;
  const cpuSeconds = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1e6;
  for (const ws of sockets) ws.terminate();
  child.kill();
  return {
    mode,
    clients,
    sent,
    expected: sent * clients,
    deliveredPerSecond: delivered / (wall + 1),
    delivered,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuPercent: (cpuSeconds / wall) * 100,
    bytesPerConnection: (connected.heapUsed + connected.external - idle.heapUsed - idle.external) / clients,
    rssPerConnection: (connected.rss - idle.rss) / clients,
  };
}

console.log(`bench:server (loopback; ${RATE} status changes/s for ${SECONDS} s, fanned out to every client)\n`);
const results = [];
for (const clients of SIZES) {
  results.push(await run('bare', clients));
  results.push(await run('kit', clients));
}
console.log('| clients | server | delivered / expected | delivered msg/s | p50 ms | p99 ms | server CPU % | heap+buffers / idle connection | RSS / idle connection |');
console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(`| ${r.clients} | ${r.mode === 'kit' ? 'presence-kit' : 'bare ws broadcast'} | ${r.delivered} / ${r.expected} | ${r.deliveredPerSecond.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.cpuPercent.toFixed(0)} | ${(r.bytesPerConnection / 1024).toFixed(1)} KB | ${(r.rssPerConnection / 1024).toFixed(1)} KB |`);
}
for (const clients of SIZES) {
  const bare = results.find((r) => r.mode === 'bare' && r.clients === clients)!;
  const kit = results.find((r) => r.mode === 'kit' && r.clients === clients)!;
  console.log(`N=${clients}: kit throughput ${((kit.deliveredPerSecond / bare.deliveredPerSecond) * 100).toFixed(0)}% of bare (goal >= 60%); p99 ${kit.p99} ms${clients === 1000 ? ' (goal < 250)' : ''}; ${(kit.bytesPerConnection / 1024).toFixed(1)} KB per idle connection (goal < 20)`);
}
