// npm run soak -- --clients 1000 --minutes 10 [--nodes 3 --kill-every 60]
// Clients connect, set statuses, disconnect and come back at random, through fault-injecting proxies
// (pauses, silent drops, resets). At the end everything settles and the run checks, against an observer
// that watched from outside the proxies: ghosts (shown online with no live connection), lost updates
// (an acknowledged status the observer does not show), and the server's heap at start and end.
// With --nodes N the server runs as N nodes over a private redis-server with an append-only file (clients
// spread over them, the observer on the first), every --kill-every seconds one of the others is killed
// with SIGKILL and started again on its port, Redis is killed and restarted once (at 40% of the run), and
// one node is paused with SIGSTOP for twice its lease and resumed (at 60%: it must be fenced). Clients also
// edit their profile and block and unblock one another. Every minute traffic and faults pause while
// everything settles, and the run checks every node, not only the observer's: no ghost, every
// acknowledged status on every node; it prints each node's RSS and Redis' memory. `npm run soak:cluster`
// is the ten-minute run; CI runs two minutes of it.
import { fork, type ChildProcess } from 'node:child_process';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { ask } from './ipc.ts';
import { createPresenceClient, type PresenceClient } from '../src/core/index.ts';
import type { WebSocketLike } from '../src/core/connection.ts';
import { startFaultProxy, type FaultProxy } from '../src/testing/fault-proxy.ts';
import { reportFigures } from './report.ts';
import { startRedis } from '../test/cluster/redis-server.ts';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    minutes: { type: 'string', default: '10' },
    proxies: { type: 'string', default: '10' },
    nodes: { type: 'string', default: '1' },
    'kill-every': { type: 'string', default: '60' },
  },
});
const NODES = Number(values.nodes);
const KILL_EVERY_MS = Number(values['kill-every']) * 1000;
const CLIENTS = Number(values.clients);
const DURATION_MS = Number(values.minutes) * 60_000;
const PROXIES = Number(values.proxies);
const random = (() => {
  let seed = 20261122;
  return () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
})();

const redis = NODES > 1 ? await startRedis({ aof: true }) : null;
async function startNode(port: number, create: boolean): Promise<{ child: ChildProcess; port: number; adminKey: string }> {
  const args = [String(CLIENTS), redis?.url ?? '', String(port), create ? 'users' : 'no-users'];
  const child = fork(new URL('./soak-server.ts', import.meta.url).pathname, args, {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ port: number; adminKey: string }>((resolve) => child.once('message', resolve as never));
  return { child, ...ready };
}
const nodes = [await startNode(0, true)];
for (let i = 1; i < NODES; i++) nodes.push(await startNode(0, false));
const { child, port, adminKey } = nodes[0]!;
const httpUrl = `http://127.0.0.1:${port}`;

/** Mints a session as a backend would, honouring the server's rate limit. */
async function mint(userId: string) {
  for (;;) {
    const response = await fetch(`${httpUrl}/api/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId }),
    });
    if (response.status !== 429) return response.json();
    const body = (await response.json()) as { error: { retryAfterMs?: number } };
    await new Promise((resolve) => setTimeout(resolve, body.error.retryAfterMs ?? 100));
  }
}

const proxies: FaultProxy[] = [];
// Proxies spread over the nodes; the observer talks to the first node directly, which is never killed.
for (let i = 0; i < PROXIES; i++) proxies.push(await startFaultProxy({ host: '127.0.0.1', port: nodes[i % NODES]!.port }));

const options = {
  WebSocket: WebSocket as unknown as WebSocketLike,
  environment: null,
  autoAway: false as const,
  heartbeat: { intervalMs: 5_000, timeoutMs: 3_000 },
};
const observer = createPresenceClient({ url: httpUrl, session: await mint('observer'), ...options, offlineGraceMs: 0 });
observer.retainOnlineList();
// By name too: past the server's announceMax (100) the online list is large and tells its watchers only of
// the people they watch by name or show, so the observer keeps hearing of every client either way.
for (let i = 0; i < CLIENTS; i++) observer.retainUser(`u${i}`);
let received = 0;
observer.onUserPresenceChanged(() => received++);
observer.connect();

interface SoakClient {
  id: string;
  client: PresenceClient;
  proxy: FaultProxy;
  connected: boolean;
  release: (() => void) | null;
  lastAcked: string | null;
  /**
   * Messages sent after the last acknowledged one whose outcome is unknown: the client was stopped
   * before the answer came (rejected with 'closed'), so the server may or may not have applied them.
   */
  unknown: Set<string>;
}
const clients: SoakClient[] = [];
for (let i = 0; i < CLIENTS; i++) {
  const proxy = proxies[i % PROXIES]!;
  const client = createPresenceClient({ url: proxy.httpUrl, session: await mint(`u${i}`), ...options, backoff: { minMs: 500, maxMs: 5_000 } });
  client.onError(() => {});
  clients.push({ id: `u${i}`, client, proxy, connected: false, release: null, lastAcked: null, unknown: new Set() });
}
const connect = (entry: SoakClient) => {
  entry.release = entry.client.connect();
  entry.connected = true;
};
for (const entry of clients) connect(entry);
const waitFor = async (predicate: () => boolean, ms: number) => {
  const until = Date.now() + ms;
  while (!predicate() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 200));
  return predicate();
};
await waitFor(() => clients.every((entry) => entry.client.state.getState().status === 'connected'), 120_000);
console.log(
  `soak: ${CLIENTS} clients connected through ${PROXIES} proxies; running ${values.minutes} min (heap measured from minute 1.5, or half-time if sooner, once the server's one-minute change log is full)`,
);
let heapStart = 0;
setTimeout(() => void ask<{ heapUsed: number }>(child, 'heap').then((answer) => (heapStart = answer.heapUsed)), Math.min(90_000, DURATION_MS / 2));
let paused = false;
let profileEdits = 0;
let blockChanges = 0;

let sent = 0;
let acked = 0;
let counter = 0;
let faults = 0;
const started = Date.now();
const actions = setInterval(() => {
  if (paused) return;
  // About 40 actions a second across the fleet.
  for (let n = 0; n < 4; n++) {
    const entry = clients[Math.floor(random() * clients.length)]!;
    const roll = random();
    if (!entry.connected) {
      if (roll < 0.5) connect(entry);
    } else if (roll < 0.75) {
      const message = `m${++counter}`;
      sent++;
      entry.client
        .setStatus({ status: roll < 0.4 ? 'online' : roll < 0.6 ? 'away' : 'busy', statusMessage: message })
        .then(() => {
          acked++;
          entry.lastAcked = message;
          entry.unknown.clear();
        })
        .catch((error: { code?: string }) => {
          if (error.code === 'closed') entry.unknown.add(message);
        });
    } else if (roll < 0.85) {
      entry.release?.();
      entry.connected = false;
    } else if (NODES > 1 && roll < 0.9) {
      profileEdits++;
      entry.client.updateCurrentUser({ displayName: `User ${entry.id} ${counter}` }).catch(() => {});
    } else if (NODES > 1 && roll < 0.95) {
      // Blocks come and go between two users near each other in the list, so the observer is never one.
      const other = clients[(clients.indexOf(entry) + 1) % clients.length]!;
      blockChanges++;
      (roll < 0.925 ? entry.client.blockUser(other.id) : entry.client.unblockUser(other.id)).catch(() => {});
    }
  }
}, 100);
const chaos = setInterval(() => {
  if (paused) return;
  const proxy = proxies[Math.floor(random() * proxies.length)]!;
  const roll = random();
  faults++;
  if (roll < 0.4) {
    proxy.pause();
    setTimeout(() => proxy.pass(), 300 + random() * 700);
  } else if (roll < 0.7) {
    proxy.cut();
  } else {
    proxy.drop();
    setTimeout(() => proxy.pass(), 2_000 + random() * 6_000);
  }
}, 5_000);
let kills = 0;
// Disruptions under way (a node killed and not back, Redis down, a node stopped): a checkpoint waits for
// them to end, and none starts during a checkpoint. A check taken while a stopped node was being fenced
// counted its 33 users as "connected but shown offline" (a race of the soak, not of the server).
let disrupting = 0;
/** Runs `disrupt` now, or once the checkpoint under way is over. */
const outsideCheckpoints = (disrupt: () => void): void => {
  if (paused) setTimeout(() => outsideCheckpoints(disrupt), 1_000);
  else disrupt();
};
const killer =
  NODES > 1
    ? setInterval(() => {
        if (paused) return;
        const index = 1 + Math.floor(random() * (NODES - 1));
        const victim = nodes[index]!;
        kills++;
        disrupting++;
        victim.child.kill('SIGKILL');
        // Back on the same port a moment later: its clients reconnect to it through their proxies.
        setTimeout(
          () =>
            void startNode(victim.port, false).then((node) => {
              nodes[index] = node;
              disrupting--;
            }),
          2_000,
        );
      }, KILL_EVERY_MS)
    : undefined;
const progress = setInterval(
  () =>
    console.log(
      `  ${Math.round((Date.now() - started) / 1000)} s: sent ${sent}, acknowledged ${acked}, observer events ${received}, faults ${faults}, node kills ${kills}`,
    ),
  30_000,
);

// Redis killed and restarted from its append-only file; a node stopped for twice its lease (2 s).
let redisRestarts = 0;
let fencings = 0;
const redisRestart =
  redis &&
  setTimeout(
    () =>
      outsideCheckpoints(() => {
        redisRestarts++;
        disrupting++;
        void redis
          .kill()
          .then(() => new Promise((resolve) => setTimeout(resolve, 1_000)).then(() => redis.restart()))
          .finally(() => disrupting--);
      }),
    DURATION_MS * 0.4,
  );
const stopper =
  NODES > 1 &&
  setTimeout(
    () =>
      outsideCheckpoints(() => {
        const victim = nodes[NODES - 1]!;
        fencings++;
        disrupting++;
        victim.child.kill('SIGSTOP');
        setTimeout(() => {
          victim.child.kill('SIGCONT');
          // Resumed, it finds itself fenced at its next lease renewal and registers again.
          setTimeout(() => disrupting--, 2_000);
        }, 4_000);
      }),
    DURATION_MS * 0.6,
  );

interface NodeCheck {
  ghosts: number;
  missing: number;
  stale: number;
  rssMB: number[];
  redisMB: number;
}
const checks: NodeCheck[] = [];
/** Every user as one node's admin view shows them. */
async function everyone(nodePort: number): Promise<Map<string, { online: boolean; statusMessage: string | null }>> {
  const seen = new Map<string, { online: boolean; statusMessage: string | null }>();
  let cursor: string | null = null;
  do {
    const response = await fetch(`http://127.0.0.1:${nodePort}/api/v1/users?limit=100${cursor ? `&cursor=${cursor}` : ''}`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    const page = (await response.json()) as {
      users: Array<{ id: string; presence: { online: boolean; statusMessage: string | null } | null }>;
      nextCursor: string | null;
    };
    for (const user of page.users) seen.set(user.id, { online: user.presence?.online ?? false, statusMessage: user.presence?.statusMessage ?? null });
    cursor = page.nextCursor;
  } while (cursor);
  return seen;
}
/** Pauses traffic and faults, lets everything settle, then checks every node against what the clients know. */
async function checkpoint(): Promise<NodeCheck> {
  paused = true;
  await waitFor(() => disrupting === 0, 60_000);
  for (const proxy of proxies) proxy.pass();
  const settled = () => clients.every((entry) => !entry.connected || entry.client.state.getState().status === 'connected');
  await waitFor(settled, 60_000);
  // A killed node's users go offline within its lease (2 s + 0.4 s); silent sockets within two heartbeats
  // (10 s), after which their clients reconnect: wait for that, then for every client to be back.
  await new Promise((resolve) => setTimeout(resolve, 12_000));
  await waitFor(settled, 60_000);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const check: NodeCheck = { ghosts: 0, missing: 0, stale: 0, rssMB: [], redisMB: NaN };
  for (const node of nodes) {
    const seen = await everyone(node.port);
    for (const entry of clients) {
      const shown = seen.get(entry.id);
      if (!entry.connected && shown?.online) check.ghosts++;
      if (entry.connected && !shown?.online) check.missing++;
      if (entry.lastAcked !== null && shown?.statusMessage !== entry.lastAcked && !(shown?.statusMessage && entry.unknown.has(shown.statusMessage)))
        check.stale++;
    }
    check.rssMB.push((await ask<{ rss: number }>(node.child, 'heap')).rss / 2 ** 20);
  }
  if (redis) {
    const { createClient } = await import('@redis/client');
    const probe = createClient({ url: redis.url });
    await probe.connect();
    check.redisMB = Number(/used_memory:(\d+)/.exec(String(await probe.sendCommand(['INFO', 'memory'])))?.[1]) / 2 ** 20;
    await probe.destroy();
  }
  checks.push(check);
  console.log(
    `  check ${checks.length}: ghosts ${check.ghosts}, connected but shown offline ${check.missing}, acknowledged status missing on a node ${check.stale}; RSS ${check.rssMB.map((mb) => mb.toFixed(0)).join(' / ')} MB; Redis ${check.redisMB.toFixed(1)} MB`,
  );
  paused = false;
  return check;
}
const runUntil = Date.now() + DURATION_MS;
while (Date.now() < runUntil) {
  await new Promise((resolve) => setTimeout(resolve, Math.min(60_000, runUntil - Date.now())));
  if (NODES > 1 && Date.now() < runUntil - 5_000) await checkpoint();
}
clearTimeout(redisRestart || undefined);
clearTimeout(stopper || undefined);
clearInterval(actions);
clearInterval(chaos);
clearInterval(killer);
clearInterval(progress);
for (const proxy of proxies) proxy.pass();

// Settle: every connected client connected and nothing waiting for an acknowledgement; the server has
// dropped silent connections (heartbeat 5 s → within 10 s) and everyone has caught up.
await waitFor(() => clients.every((entry) => !entry.connected || entry.client.state.getState().status === 'connected'), 60_000);
await new Promise((resolve) => setTimeout(resolve, 15_000));

const shownOnline = new Set(observer.onlineUserIds());
const ghosts = clients.filter((entry) => !entry.connected && shownOnline.has(entry.id)).map((entry) => entry.id);
const missing = clients.filter((entry) => entry.connected && !shownOnline.has(entry.id)).map((entry) => entry.id);
// Lost: the observer shows something other than the last acknowledged message, and other than a later
// message whose outcome the client never learned.
const lost = clients
  .filter((entry) => {
    if (entry.lastAcked === null) return false;
    const shown = observer.peekUser(entry.id)?.presence?.statusMessage ?? null;
    return shown !== entry.lastAcked && !(shown !== null && entry.unknown.has(shown));
  })
  .map((entry) => entry.id);
const unknownOutcomes = clients.reduce((sum, entry) => sum + entry.unknown.size, 0);
const heapEnd = (await ask<{ heapUsed: number }>(child, 'heap')).heapUsed;
const growth = (heapEnd - heapStart) / heapStart;
const final = NODES > 1 ? await checkpoint() : null;
const worst = (key: 'ghosts' | 'missing' | 'stale') => Math.max(0, ...checks.map((check) => check[key]));
const nodeFailures = NODES > 1 ? worst('ghosts') + worst('missing') + worst('stale') : 0;

console.log(`
| figure | value | goal |
|---|---:|---|
| clients | ${CLIENTS} | |
| minutes | ${values.minutes} | |
| status updates sent / acknowledged | ${sent} / ${acked} | |
| presence events the observer received | ${received} | |
| network faults injected | ${faults} | |
| nodes / node kills (SIGKILL) | ${NODES} / ${kills} | |
| ghosts (shown online, not connected) | ${ghosts.length} | 0 |
| connected but shown offline | ${missing.length} | 0 |
| lost updates (acknowledged, not shown) | ${lost.length} | 0 |
| updates with an unknown outcome (client stopped before the answer) | ${unknownOutcomes} | |
| server heap start / end | ${(heapStart / 2 ** 20).toFixed(1)} MB / ${(heapEnd / 2 ** 20).toFixed(1)} MB (${(growth * 100).toFixed(1)}%) | within 10% |${
  final
    ? `
| profile edits / block changes | ${profileEdits} / ${blockChanges} | |
| Redis restarts (AOF) / nodes paused past their lease (fenced) | ${redisRestarts} / ${fencings} | |
| checks of every node (each after a settle) | ${checks.length} | |
| worst check: ghosts on any node | ${worst('ghosts')} | 0 |
| worst check: connected but shown offline on any node | ${worst('missing')} | 0 |
| worst check: an acknowledged status missing on a node | ${worst('stale')} | 0 |
| node RSS at the first / last check | ${checks[0]!.rssMB.map((mb) => mb.toFixed(0)).join(' / ')} MB → ${final.rssMB.map((mb) => mb.toFixed(0)).join(' / ')} MB | bounded |
| Redis memory at the first / last check | ${checks[0]!.redisMB.toFixed(1)} MB → ${final.redisMB.toFixed(1)} MB | bounded |`
    : ''
}`);
reportFigures('soak', [
  {
    figure: `soak, ${CLIENTS} clients, ${NODES} node(s), ${values.minutes} min, ${faults} faults, ${kills} node kills: ghosts (shown online, not connected)`,
    value: ghosts.length,
    unit: 'users',
    goal: '0',
    met: ghosts.length === 0,
  },
  { figure: `soak: connected but shown offline`, value: missing.length, unit: 'users', goal: '0', met: missing.length === 0 },
  { figure: `soak: lost updates (acknowledged, not shown) of ${acked}`, value: lost.length, unit: 'updates', goal: '0', met: lost.length === 0 },
  {
    figure: 'soak: server heap at the end vs at the start',
    value: heapEnd / 2 ** 20,
    baseline: heapStart / 2 ** 20,
    unit: 'MB',
    ratio: heapEnd / heapStart,
    goal: 'within 10%',
    met: Math.abs(growth) <= 0.1,
  },
]);
if (ghosts.length || missing.length || lost.length) {
  const statuses: Record<string, number> = {};
  for (const entry of clients.filter((item) => missing.includes(item.id))) {
    const key = `${entry.client.state.getState().status}:${entry.client.state.getState().error?.code}:${entry.client.state.getState().error?.message}`;
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  const detail = await Promise.all(
    lost.slice(0, 5).map(async (id) => {
      const entry = clients.find((item) => item.id === id)!;
      const truth = (await (await fetch(`${httpUrl}/api/v1/users/${id}`, { headers: { authorization: `Bearer ${adminKey}` } })).json()) as {
        presence?: { statusMessage?: string };
      };
      return {
        id,
        acked: entry.lastAcked,
        unknown: [...entry.unknown],
        observer: observer.peekUser(id)?.presence?.statusMessage,
        server: truth.presence?.statusMessage,
      };
    }),
  );
  console.log({ ghosts: ghosts.slice(0, 10), missing: missing.slice(0, 10), lost: detail, statusesOfMissing: statuses });
}

for (const entry of clients) entry.client.disconnect();
observer.disconnect();
for (const proxy of proxies) await proxy.close();
child.send({ type: 'stop' });
for (const node of nodes.slice(1)) node.child.kill('SIGKILL');
await redis?.stop();
process.exitCode = ghosts.length || missing.length || lost.length || nodeFailures || Math.abs(growth) > 0.1 ? 1 : 0;
