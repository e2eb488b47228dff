// npm run bench:attacks: the resource attacks of the hardening review, against the server with every
// limit at its default, in its own process, on loopback. Prints the server's RSS under each (beside its
// idle RSS in the same run) and how many requests it refused.
//   held bodies:     2,000 connections each sending a refresh request and holding its body open
//                    (64 KiB promised, 8,000 bytes when 64 KiB is refused outright);
//   held uploads:    200 avatar uploads of 1 MiB on one token, each holding its last byte;
//   header rotation: 2,000 requests, each with a fresh invented bearer token, from one address;
//   unauthenticated CPU: 500 sockets in 8 s from one attacker address (127.0.0.9), each sending one 58 KB
//                    `auth` frame with 7,500 keys, while an honest client (127.0.0.1) pings every 50 ms:
//                    the server's CPU share and the honest ping's p50 / max, beside the same pings unattacked;
//   directory search: 20,000 users; 300 `GET /users?search=<nobody>` on one token (within its budget)
//                    while an honest user asks `GET /me` every 50 ms: the search's time and the honest p50 / max;
//   deep nesting:    one 10 KB frame of 5,000 nested arrays before auth, then /health;
//   change rate:     one user on 20 connections changing status at 5/s on each for 8 s, 400 online-list
//                    watchers: frames they receive, honest ping;
//   catch-up amplification: 12 users asking full catch-ups of ~420 online people as fast as answered
//                    (waiting out refusals) for 8 s: bytes answered per byte asked, server CPU, honest ping.
import { fork } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { PROTOCOL_VERSION } from '../src/core/protocol/index.ts';
import { ask } from './ipc.ts';
import { reportFigures, type BenchFigure } from './report.ts';

interface Stats {
  rss: number;
  heapUsed: number;
}

const MiB = 1024 * 1024;
const child = fork(new URL('./server-child.ts', import.meta.url).pathname, ['defaults'], { execArgv: ['--expose-gc', '--import', 'tsx'] });
const { wsUrl, token } = await new Promise<{ wsUrl: string; token: string }>((resolve) => child.once('message', resolve as never));
const port = Number(new URL(wsUrl).port);
const rss = async () => (await ask<Stats>(child, 'stats')).rss / MiB;

function open(head: string, body: Buffer): Promise<{ socket: Socket; answer: Promise<number> }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const answer = new Promise<number>((done) => {
      socket.on('data', (chunk) => {
        text += chunk.toString('latin1');
        if (text.includes('\r\n\r\n')) done(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0));
      });
      socket.on('close', () => done(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
    });
    socket.on('error', () => {});
    socket.once('connect', () => {
      socket.write(head);
      if (body.length > 0) socket.write(body);
      resolve({ socket, answer });
    });
    socket.once('close', () => resolve({ socket, answer }));
  });
}

/** Opens `count` held requests; returns their answers (0: none yet, the body is being held) and RSS. */
async function hold(count: number, head: (i: number) => string, body: Buffer) {
  const held: Array<{ socket: Socket; answer: Promise<number> }> = [];
  for (let i = 0; i < count; i += 100) held.push(...(await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, j) => open(head(i + j), body)))));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const during = await rss();
  const statuses = await Promise.all(held.map((request) => Promise.race([request.answer, Promise.resolve(0)])));
  for (const request of held) request.socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const tally = new Map<number, number>();
  for (const status of statuses) tally.set(status, (tally.get(status) ?? 0) + 1);
  return { during, tally: [...tally].map(([status, n]) => `${n}× ${status === 0 ? 'held' : status}`).join(', ') };
}

const idle = await rss();
const rows: string[] = [];
const figures: BenchFigure[] = [];
const refreshHead = (length: number) => () =>
  `POST /api/v1/auth/refresh HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
for (const length of [64 * 1024, 8000]) {
  const result = await hold(2000, refreshHead(length), Buffer.alloc(length - 1, 0x20));
  rows.push(
    `| 2,000 held refresh bodies of ${length} B | ${idle.toFixed(0)} | ${result.during.toFixed(0)} | +${(result.during - idle).toFixed(0)} | ${result.tally} |`,
  );
  figures.push({
    figure: `attacks: server RSS under 2,000 held refresh bodies of ${length} B`,
    value: result.during,
    baseline: idle,
    unit: 'MiB',
    ratio: result.during / idle,
  });
}
const upload = await hold(
  200,
  () => `PUT /api/v1/me/avatar HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: image/png\r\nContent-Length: ${MiB}\r\n\r\n`,
  Buffer.alloc(MiB - 1, 0x89),
);
figures.push({
  figure: 'attacks: server RSS under 200 held 1 MiB uploads on one token',
  value: upload.during,
  baseline: idle,
  unit: 'MiB',
  ratio: upload.during / idle,
});
rows.push(`| 200 held 1 MiB uploads, one token | ${idle.toFixed(0)} | ${upload.during.toFixed(0)} | +${(upload.during - idle).toFixed(0)} | ${upload.tally} |`);

const statuses = new Map<number, number>();
for (let i = 0; i < 2000; i += 200) {
  const batch = await Promise.all(
    Array.from({ length: 200 }, (_, j) =>
      fetch(`http://127.0.0.1:${port}/api/v1/users.presence`, { headers: { authorization: `Bearer invented-${i + j}-${Math.random()}` } }).then(
        (r) => r.status,
        () => 0,
      ),
    ),
  );
  for (const status of batch) statuses.set(status, (statuses.get(status) ?? 0) + 1);
}

interface CpuStats {
  cpu: { user: number; system: number };
}

/** An honest client's ping round trips every 50 ms for `ms`, while `during` runs. */
async function pings(ms: number, during: () => Promise<unknown>): Promise<{ p50: number; max: number; cpuShare: number }> {
  const ws = new WebSocket(wsUrl, [PROTOCOL_VERSION], { localAddress: '127.0.0.1' });
  await new Promise((resolve) => ws.once('open', resolve));
  const welcomed = new Promise((resolve) => ws.once('message', resolve));
  ws.send(JSON.stringify({ type: 'auth', token }));
  await welcomed;
  const rtts: number[] = [];
  const sent = new Map<number, number>();
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; t?: number };
    if (message.type === 'pong' && message.t !== undefined) rtts.push(performance.now() - sent.get(message.t)!);
  });
  const before = await ask<CpuStats>(child, 'stats');
  const started = performance.now();
  let n = 0;
  const timer = setInterval(() => {
    sent.set(++n, performance.now());
    ws.send(JSON.stringify({ type: 'ping', t: n }));
  }, 50);
  await Promise.all([during(), new Promise((resolve) => setTimeout(resolve, ms))]);
  clearInterval(timer);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const after = await ask<CpuStats>(child, 'stats');
  const wall = (performance.now() - started) * 1000;
  ws.close();
  rtts.sort((a, b) => a - b);
  const cpu = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system;
  return { p50: rtts[Math.floor(rtts.length / 2)] ?? NaN, max: rtts.at(-1) ?? NaN, cpuShare: cpu / wall };
}

const bigAuth = JSON.stringify({ type: 'auth', token: 'x', presence: Object.fromEntries(Array.from({ length: 7_500 }, (_, i) => [i.toString(36), 1])) });
const unauthTally = new Map<string, number>();
async function unauthFlood(): Promise<void> {
  const opened: Array<Promise<void>> = [];
  for (let i = 0; i < 500; i++) {
    opened.push(
      new Promise<void>((resolve) => {
        const ws = new WebSocket(wsUrl, [PROTOCOL_VERSION], { localAddress: '127.0.0.9' });
        let noted = false;
        const note = (what: string) => {
          if (noted) return;
          noted = true;
          unauthTally.set(what, (unauthTally.get(what) ?? 0) + 1);
          resolve();
        };
        ws.on('error', () => {});
        ws.once('unexpected-response', (_request, response) => {
          note(`refused ${response.statusCode}`);
          ws.terminate();
        });
        ws.once('open', () => ws.send(bigAuth));
        ws.once('close', (code) => note(`closed ${code}`));
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 16));
  }
  await Promise.all(opened);
}
const quiet = await pings(8_000, async () => {});
const flooded = await pings(8_000, unauthFlood);
figures.push(
  {
    figure: 'attacks: unauthenticated CPU, server CPU share under 500 auth frames of 58 KB in 8 s',
    value: flooded.cpuShare,
    baseline: quiet.cpuShare,
    unit: 'cores',
    ratio: flooded.cpuShare / quiet.cpuShare,
  },
  { figure: 'attacks: unauthenticated CPU, honest ping p50 during it', value: flooded.p50, baseline: quiet.p50, unit: 'ms', ratio: flooded.p50 / quiet.p50 },
  { figure: 'attacks: unauthenticated CPU, honest ping max during it', value: flooded.max, baseline: quiet.max, unit: 'ms', ratio: flooded.max / quiet.max },
);

const { token: searcher } = await ask<{ token: string }>(child, 'directory');
async function timed(path: string, bearer: string): Promise<number> {
  const started = performance.now();
  await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${bearer}` } }).then((response) => response.arrayBuffer());
  return performance.now() - started;
}
const searchTimes: number[] = [];
const honestTimes: number[] = [];
const searchCpu = await ask<CpuStats>(child, 'stats');
let searching = true;
const honestLoop = (async () => {
  while (searching) {
    honestTimes.push(await timed('/api/v1/me', token));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
})();
// Paced to stay inside the token's request budget (50/s): every one is answered, none refused.
for (let i = 0; i < 300; i += 10) {
  const batch = Promise.all(Array.from({ length: 10 }, () => timed(`/api/v1/users?search=nobody-${i}`, searcher)));
  await new Promise((resolve) => setTimeout(resolve, 220));
  searchTimes.push(...(await batch));
}
searching = false;
await honestLoop;
const searchCpuAfter = await ask<CpuStats>(child, 'stats');
const searchCpuSeconds = (searchCpuAfter.cpu.user + searchCpuAfter.cpu.system - searchCpu.cpu.user - searchCpu.cpu.system) / 1e6;
searchTimes.sort((a, b) => a - b);
honestTimes.sort((a, b) => a - b);
const median = (values: number[]) => values[Math.floor(values.length / 2)] ?? NaN;
figures.push(
  { figure: 'attacks: directory search for nobody among 20,000 users, p50', value: median(searchTimes), unit: 'ms' },
  { figure: 'attacks: 300 directory searches, server CPU', value: searchCpuSeconds, unit: 's' },
  { figure: 'attacks: honest GET /me during the searches, max', value: honestTimes.at(-1) ?? NaN, baseline: median(honestTimes), unit: 'ms' },
);

const deep = `{"type":"ping","t":${'['.repeat(5_000)}${']'.repeat(5_000)}}`;
const deepClose = await new Promise<number>((resolve) => {
  const ws = new WebSocket(wsUrl, [PROTOCOL_VERSION], { localAddress: '127.0.0.10' });
  ws.on('error', () => resolve(0));
  ws.once('open', () => ws.send(deep));
  ws.once('close', (code) => resolve(code));
});
const health = await fetch(`http://127.0.0.1:${port}/api/v1/health`).then(
  (response) => response.status,
  () => 0,
);
figures.push({
  figure: 'attacks: 5,000 nested arrays before auth, then /health',
  value: health,
  unit: 'HTTP status',
  goal: '200 (the process lives)',
  met: health === 200,
});

// The change-rate and catch-up attacks of issue 19, against a crowd of 413 people.
const { tokens: crowd } = await ask<{ tokens: string[] }>(child, 'crowd');
const [loudToken, ...crowdTokens] = crowd as [string, ...string[]];
const askerTokens = crowdTokens.slice(0, 12);
const watcherTokens = crowdTokens.slice(12);
function signedIn(bearer: string, localAddress: string, onFrame: (text: string) => void = () => {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, [PROTOCOL_VERSION], { localAddress });
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token: bearer })));
    ws.on('message', (data) => {
      const text = String(data);
      if (text.startsWith('{"type":"welcome"')) resolve(ws);
      else onFrame(text);
    });
  });
}
/** Opens sockets in batches within the address's handshake admission (200/s). */
async function openMany(tokens: string[], localAddress: string, onFrame?: (text: string) => void): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < tokens.length; i += 100) {
    sockets.push(...(await Promise.all(tokens.slice(i, i + 100).map((bearer) => signedIn(bearer, localAddress, onFrame)))));
    await new Promise((resolve) => setTimeout(resolve, 600));
  }
  return sockets;
}

// Per-user change rate: 400 people watch the online list; 'loud' changes status from 20 connections, each
// at the per-connection rate (5/s), for 8 s.
let loudFrames = 0;
const watchers = await openMany(watcherTokens, '127.0.0.11', (text) => {
  if (text.startsWith('{"type":"presence"') && text.includes('"userId":"loud"')) loudFrames++;
});
// By name too: with 400 online the list is large (past announceMax), and its watchers hear only of whom they watch.
for (const ws of watchers) ws.send(JSON.stringify({ type: 'subscribe', online: true, users: ['loud'] }));
await new Promise((resolve) => setTimeout(resolve, 1000));
const loud = await openMany(
  Array.from({ length: 20 }, () => loudToken),
  '127.0.0.12',
);
await new Promise((resolve) => setTimeout(resolve, 500));
loudFrames = 0;
let loudAcks = 0;
for (const ws of loud) ws.on('message', (data) => String(data).startsWith('{"type":"ack"') && loudAcks++);
let loudSent = 0;
const rateAttack = await pings(8_000, async () => {
  const timer = setInterval(() => {
    for (const ws of loud) ws.send(JSON.stringify({ type: 'set-presence', rid: ++loudSent, patch: { statusMessage: `loud ${loudSent}` } }));
  }, 200);
  await new Promise((resolve) => setTimeout(resolve, 8_000));
  clearInterval(timer);
});
await new Promise((resolve) => setTimeout(resolve, 300));
for (const ws of loud) ws.close();
figures.push(
  { figure: 'attacks: one user changing status from 20 connections for 8 s, frames to 400 watchers', value: loudFrames, unit: 'frames' },
  {
    figure: 'attacks: one user changing status from 20 connections, honest ping max during it',
    value: rateAttack.max,
    baseline: quiet.max,
    unit: 'ms',
    ratio: rateAttack.max / quiet.max,
  },
);

// Catch-up amplification: 12 people ask for full catch-ups of the online list (about 420 people) as fast
// as they are answered, waiting out every refusal as told, for 8 s.
let askedBytes = 0;
let answeredBytes = 0;
let answers = 0;
let refusals = 0;
let asking = true;
const askers = await openMany(askerTokens, '127.0.0.13');
const amplification = await pings(8_000, async () => {
  setTimeout(() => (asking = false), 8_000);
  await Promise.all(
    askers.map(
      (ws) =>
        new Promise<void>((resolve) => {
          let rid = 0;
          const askAgain = () => {
            if (!asking) return resolve();
            const frame = JSON.stringify({ type: 'catch-up', rid: ++rid });
            askedBytes += frame.length;
            ws.send(frame);
          };
          ws.on('message', (data) => {
            const text = String(data);
            if (text.startsWith('{"type":"snapshot"')) {
              answers++;
              answeredBytes += text.length;
              askAgain();
            } else if (text.startsWith('{"type":"error"')) {
              refusals++;
              setTimeout(askAgain, Number(/"retryAfterMs":(\d+)/.exec(text)?.[1] ?? 1000));
            }
          });
          ws.send(JSON.stringify({ type: 'subscribe', online: true, rid: 0 }));
        }),
    ),
  );
});
asking = false;
for (const ws of [...askers, ...watchers]) ws.terminate();
figures.push(
  { figure: 'attacks: 12 users asking full catch-ups for 8 s, bytes answered per byte asked', value: answeredBytes / Math.max(1, askedBytes), unit: '×' },
  { figure: 'attacks: 12 users asking full catch-ups, MiB answered', value: answeredBytes / MiB, unit: 'MiB' },
  {
    figure: 'attacks: 12 users asking full catch-ups, server CPU share',
    value: amplification.cpuShare,
    baseline: quiet.cpuShare,
    unit: 'cores',
    ratio: amplification.cpuShare / quiet.cpuShare,
  },
  {
    figure: 'attacks: 12 users asking full catch-ups, honest ping max during it',
    value: amplification.max,
    baseline: quiet.max,
    unit: 'ms',
    ratio: amplification.max / quiet.max,
  },
);

console.log(`bench:attacks (server at its defaults, own process, loopback)

| attack | idle RSS MiB | RSS under attack MiB | growth MiB | answers |
|---|---:|---:|---:|---|
${rows.join('\n')}

header rotation: 2,000 requests with invented bearer tokens from one address → ${[...statuses].map(([status, n]) => `${n}× ${status}`).join(', ')}

unauthenticated CPU: 500 auth frames of ${bigAuth.length} B with 7,500 keys from 127.0.0.9 in 8 s → ${[...unauthTally].map(([what, n]) => `${n}× ${what}`).join(', ')}
| honest client (127.0.0.1), pings every 50 ms for 8 s | server CPU (cores) | ping p50 ms | ping max ms |
|---|---:|---:|---:|
| unattacked | ${quiet.cpuShare.toFixed(3)} | ${quiet.p50.toFixed(2)} | ${quiet.max.toFixed(2)} |
| during the flood | ${flooded.cpuShare.toFixed(3)} | ${flooded.p50.toFixed(2)} | ${flooded.max.toFixed(2)} |

directory search: 300 searches for nobody among 20,000 users, 10 at a time, one token → p50 ${median(searchTimes).toFixed(1)} ms, server CPU ${searchCpuSeconds.toFixed(2)} s; honest GET /me every 50 ms meanwhile: p50 ${median(honestTimes).toFixed(1)} ms, max ${(honestTimes.at(-1) ?? NaN).toFixed(1)} ms

deep nesting: one frame of 5,000 nested arrays before auth → closed ${deepClose}; /health then → ${health}

per-user change rate: 'loud' on 20 connections sends ${loudSent} status changes in 8 s (5/s on each), ${loudAcks} accepted → ${loudFrames.toLocaleString('en')} frames to 400 online-list watchers (issue 19 measured on the code before: 474,000 frames in 12 s); honest ping p50 ${rateAttack.p50.toFixed(2)} ms, max ${rateAttack.max.toFixed(1)} ms (issue 19, before: latency to 124 ms); server CPU ${rateAttack.cpuShare.toFixed(3)} cores

catch-up amplification: 12 users ask full catch-ups of ~420 online people for 8 s → ${answers} answers, ${refusals} refused with retryAfterMs; ${(askedBytes / 1024).toFixed(1)} KiB asked, ${(answeredBytes / MiB).toFixed(1)} MiB answered (×${(answeredBytes / Math.max(1, askedBytes)).toFixed(0)}; issue 19 before: 268 MiB from 0.1 MiB, ×2,251, 90% of the CPU); server CPU ${amplification.cpuShare.toFixed(3)} cores; honest ping p50 ${amplification.p50.toFixed(2)} ms, max ${amplification.max.toFixed(1)} ms (issue 19 before: to 276 ms)`);
const refused = statuses.get(429) ?? 0;
figures.push({
  figure: 'attacks: header rotation, 2,000 requests with invented tokens from one address: refused (429)',
  value: refused,
  baseline: 2000,
  unit: 'requests',
  ratio: refused / 2000,
  goal: 'all but the address budget (100) refused',
  met: refused >= 1900,
});
reportFigures('bench:attacks', figures);
child.kill();
process.exit(0);
