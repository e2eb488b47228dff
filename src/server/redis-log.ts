import { createClient } from '@redis/client';
import { jsonLines, parseJsonLines } from './json-lines.ts';
import type { LogCommand, LogEntry, PresenceLog } from './presence-log.ts';

/** Options of {@link createRedisLog}. */
export interface RedisLogOptions {
  /** `redis://host:port` of the Redis every node shares. */
  url: string;
  /** This node's name (new for every start). */
  node: string;
  /** Key prefix (default `pk`). */
  prefix?: string;
  /** A node whose lease is this old is declared down and its connections removed (default 5 s). */
  leaseMs?: number;
  /** How often a node renews its lease and looks for expired ones (default 1 s). */
  renewMs?: number;
  /** This node was declared down while alive (cut from Redis too long): it must re-register. */
  onFenced: () => void;
  /**
   * Snapshots of the shared state, so the stream can be trimmed: every `every` entries (default 10,000)
   * one node stores `take()`; a starting node `restore`s the newest before reading the entries after it.
   * Entries newer than `retainMs` (default 10 minutes) are kept whatever the snapshot.
   */
  snapshot?: { take: () => unknown; restore: (state: unknown) => void | Promise<void>; every?: number; retainMs?: number };
  log: (line: string) => void;
}

/** The Redis log, with what the server needs beyond {@link PresenceLog}. */
export interface RedisLog extends PresenceLog {
  /** Resolves once every entry that existed at start has been applied (call after `start`). */
  readonly caughtUp: Promise<void>;
  /** Re-registers under a new node name (after being fenced). */
  rename(node: string): void;
  /** Whether Redis answered the last lease renewal. */
  healthy(): boolean;
  /**
   * A store for @fastify/rate-limit that counts in Redis, so a caller's budget is one for all nodes
   * rather than one per node.
   */
  readonly rateLimitStore: new (params: unknown) => unknown;
  /** Sends one command on the shared connection (the picture store keeps its keys beside the log's). */
  send(args: string[]): Promise<unknown>;
  /**
   * Stores a snapshot of the state as of the last applied entry now (one node at a time) and trims the
   * log; resolves with its size and how long it took, or null when another node is storing one.
   */
  snapshotNow(): Promise<{ bytes: number; ms: number } | null>;
}

/** KEYS: counter. ARGV: window ms. A fixed window: the first hit sets its expiry. */
const COUNT_HIT = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { current, redis.call('PTTL', KEYS[1]) }`;

// Every entry takes the next number of one hybrid clock: above the last one by the entry's width (the
// changes it may number), and never below Redis' time in µs, so a number is never reused — not even after
// Redis loses data — and a cursor from before is always older. Lua prints big numbers as 1.7e+15
// unless formatted.
const NEXT_SEQ = `
local function append(json)
  local t = redis.call('TIME')
  local nowUs = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local last = tonumber(redis.call('GET', KEYS[1]) or '0')
  local seq = math.max(last + 2, nowUs)
  local id = string.format('%.0f', seq)
  redis.call('SET', KEYS[1], id)
  redis.call('XADD', KEYS[2], id .. '-0', 'c', json, 't', string.format('%.0f', math.floor(nowUs / 1000)))
  return id
end
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/** KEYS: lock. ARGV: holder. Releases the lock only if this node still holds it. */
const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Bumped whenever what a snapshot holds changes shape: nodes of another version refuse to start on it. */
const SNAPSHOT_FORMAT = 3;

/** KEYS: seq, log. ARGV: entries' JSON, in order. */
const APPEND = `${NEXT_SEQ}
for i = 1, #ARGV do append(ARGV[i]) end
return #ARGV`;

/**
 * Entries appended in one turn of the event loop go to Redis as one script call. A script call costs
 * Redis about five times a PUBLISH of the same bytes (bench:cluster, room case), so under load — room
 * presence from many sockets, a reconnect storm — batching is what keeps Redis' one core from being the
 * limit. Order is kept: a batch is appended in order, and batches go in order on one connection.
 */
const BATCH_MAX = 256;

/**
 * KEYS: seq, log, nodes. ARGV: node, leaseMs, first (1 when registering), reap (1 when this node may).
 * Renews this node's lease (-1: it was declared down meanwhile, it is fenced), then declares every node
 * whose lease ran out down, once: the ZREM that removes it is what appends the `node-down` entry.
 */
const LEASE = `${NEXT_SEQ}
local now = nowMs()
if ARGV[3] ~= '1' and redis.call('ZSCORE', KEYS[3], ARGV[1]) == false then return -1 end
redis.call('ZADD', KEYS[3], string.format('%.0f', now + tonumber(ARGV[2])), ARGV[1])
if ARGV[4] ~= '1' then return 0 end
local dead = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', string.format('%.0f', now), 'LIMIT', 0, 16)
for _, node in ipairs(dead) do
  if redis.call('ZREM', KEYS[3], node) == 1 then
    append(cjson.encode({ token = '', command = { type = 'node-down', node = node } }))
  end
end
return #dead`;

/**
 * The presence log of N nodes: one Redis Stream, appended by a Lua script that numbers each entry, read
 * by every node in order. Node liveness is a lease in a sorted set; any node declares an expired one
 * down (in the log, so all nodes drop its connections at the same point of the order).
 *
 * @example
 * ```ts
 * const log = await createRedisLog({ url: 'redis://127.0.0.1:6379', node: 'n1', onFenced, log: console.error });
 * const hub = new PresenceHub({ ..., presenceLog: log, node: 'n1' });
 * await log.caughtUp;
 * ```
 */
export async function createRedisLog(options: RedisLogOptions): Promise<RedisLog> {
  const prefix = options.prefix ?? 'pk';
  const keys = {
    seq: `${prefix}:seq`,
    log: `${prefix}:log`,
    nodes: `${prefix}:nodes`,
    snapshot: `${prefix}:snapshot`,
    snapshotLock: `${prefix}:snapshot:lock`,
  };
  const leaseMs = options.leaseMs ?? 5_000;
  const renewMs = options.renewMs ?? 1_000;
  let node = options.node;
  // Fail fast at start when Redis is not there; afterwards, keep trying (a restart is survivable).
  let started = false;
  const reconnectStrategy = (retries: number) => (started ? Math.min(100 * 2 ** retries, 2_000) : new Error('Redis is unreachable'));
  const writer = createClient({ url: options.url, RESP: 2, socket: { connectTimeout: 3_000, reconnectStrategy } });
  // The blocking reader waits on the stream: its own connection, its own (longer) timeout. Snapshots are
  // written on a third, so appends to the log never queue behind megabytes of snapshot.
  const reader = writer.duplicate();
  const bulk = writer.duplicate();
  for (const client of [writer, reader, bulk]) client.on('error', (error: Error) => options.log(`redis: ${error.message}`));
  try {
    await Promise.all([writer.connect(), reader.connect(), bulk.connect()]);
  } catch (cause) {
    await Promise.allSettled([writer.destroy(), reader.destroy(), bulk.destroy()]);
    throw new Error(`cannot reach Redis at ${redact(options.url)}: ${(cause as Error).message}`, { cause });
  }
  started = true;

  // The newest snapshot, if any: the state as of entry `id`; reading goes on after it. Its first line is
  // read now, so a node of another version refuses to start before it reads anything else.
  let fromSnapshot = '0-0';
  let opening: string | null = null;
  try {
    opening = options.snapshot ? await snapshotOpening() : null;
  } catch (error) {
    await Promise.allSettled([writer.destroy(), reader.destroy(), bulk.destroy()]);
    throw error;
  }

  /** The snapshot's first piece (its first line says what it is), null when there is none; throws on another format. */
  async function snapshotOpening(): Promise<string | null> {
    // A list of pieces of whole lines (format 3); older formats were one string of one line.
    const storedAs = await writer.sendCommand<string>(['TYPE', keys.snapshot]);
    if (storedAs === 'none') return null;
    const first = String(await writer.sendCommand<string | null>(storedAs === 'list' ? ['LINDEX', keys.snapshot, '0'] : ['GET', keys.snapshot]));
    const newline = first.indexOf('\n');
    const head = JSON.parse(newline === -1 ? first : first.slice(0, newline)) as { id: string; format?: number };
    if (head.format !== SNAPSHOT_FORMAT) {
      throw new Error(
        `the shared state in Redis is snapshot format ${head.format ?? 0}, this node reads ${SNAPSHOT_FORMAT}: run one version of presence-kit on all nodes`,
      );
    }
    fromSnapshot = head.id;
    return first;
  }

  /**
   * Reads the snapshot a few pieces at a time and restores it in slices of the event loop: no reply of
   * megabytes to decode in one go, and the lease is renewed meanwhile. Another node may store a newer
   * one meanwhile (a RENAME, all at once): the first piece, read again at the end, tells, and the node
   * starts over on the newer one rather than on a mix.
   */
  async function restoreSnapshot(): Promise<void> {
    for (let attempt = 1; opening !== null; attempt++) {
      // Pieces of two snapshots may not even parse: the check below says which happened.
      const read = await parseJsonLines(snapshotPieces(opening)).then(
        (state) => ({ ok: true as const, state }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      if ((await writer.sendCommand<string | null>(['LINDEX', keys.snapshot, '0'])) === opening) {
        if (!read.ok) throw read.error;
        return options.snapshot!.restore((read.state as { state: unknown }).state);
      }
      if (attempt === 5) throw new Error('the snapshot was replaced five times while this node read it');
      opening = await snapshotOpening();
    }
  }

  async function* snapshotPieces(first: string): AsyncGenerator<string> {
    const count = await writer.sendCommand<number>(['LLEN', keys.snapshot]);
    for (let at = 0; at < count; at += 4) {
      const pieces = await bulk.sendCommand<string[]>(['LRANGE', keys.snapshot, String(at), String(at + 3)]);
      // Replaced already: stop here, the check after reading starts over.
      if (at === 0 && pieces[0] !== first) return;
      yield* pieces;
    }
  }
  let closed = false;
  let healthy = true;
  let counter = 0;
  const pending = new Map<string, { applied?: (() => void) | undefined; failed?: ((error: Error) => void) | undefined }>();
  type Queued = { token: string; entry: string; failed?: ((error: Error) => void) | undefined };
  let batch: Queued[] = [];
  // Nobody waiting (a socket closed, a session saved): keep trying until Redis is back, so a disconnect
  // is never lost to an outage (no ghosts). Applying a command twice changes nothing.
  const send = (entries: Queued[], attempt: number): void => {
    writer.sendCommand(['EVAL', APPEND, '2', keys.seq, keys.log, ...entries.map((queued) => queued.entry)]).catch((error: Error) => {
      if (closed) return;
      const retried = entries.filter((queued) => {
        if (!queued.failed) return true;
        pending.delete(queued.token);
        queued.failed(error);
        return false;
      });
      if (retried.length > 0) setTimeout(() => send(retried, attempt + 1), Math.min(100 * 2 ** attempt, 2_000)).unref();
    });
  };
  const flush = (): void => {
    if (batch.length === 0 || closed) return;
    const entries = batch;
    batch = [];
    send(entries, 0);
  };
  const newest = (await writer.sendCommand<Array<[string, string[]]>>(['XREVRANGE', keys.log, '+', '-', 'COUNT', '1']))[0]?.[0] ?? '0-0';
  let applied = '0-0';
  const syncWaiters: Array<{ id: string; resolve: () => void }> = [];
  let resolveCaughtUp: () => void = () => {};
  let failCaughtUp: (error: Error) => void = () => {};
  const caughtUp = new Promise<void>((resolve, reject) => ((resolveCaughtUp = resolve), (failCaughtUp = reject)));

  // A node reaps others only once it has itself been in touch with Redis for a whole lease: after a
  // Redis restart every live node renews first, so none is declared down for Redis' own outage.
  let healthySince: number | null = null;
  const lease = async (first: boolean) => {
    if (!writer.isReady) {
      healthy = false;
      healthySince = null;
      return;
    }
    const mayReap = healthySince !== null && Date.now() - healthySince >= leaseMs;
    try {
      if (compareIds(applied, '0-0') > 0 && Number(await writer.sendCommand(['EXISTS', keys.seq])) === 0) await reseed();
      const result = await writer.sendCommand<number>([
        'EVAL',
        LEASE,
        '3',
        keys.seq,
        keys.log,
        keys.nodes,
        node,
        String(leaseMs),
        first ? '1' : '0',
        mayReap ? '1' : '0',
      ]);
      healthy = true;
      healthySince ??= Date.now();
      if (result === -1) options.onFenced();
    } catch (error) {
      healthy = false;
      healthySince = null;
      options.log(`redis lease: ${(error as Error).message}`);
    }
  };
  /**
   * Redis came back without its data (no AOF, a lost disk): the log is gone but this node still holds
   * the shared state. One node stores it as the new starting snapshot and the numbering goes on from
   * there; every node then finds its lease gone, is fenced and has its clients register again.
   */
  async function reseed(): Promise<void> {
    if (!options.snapshot?.take) return;
    const id = applied;
    const state = options.snapshot.take();
    if ((await writer.sendCommand<string | null>(['SET', keys.snapshotLock, node, 'NX', 'PX', '60000'])) !== 'OK') return;
    options.log("redis lost its data: storing this node's copy of the shared state as its new start");
    await storeSnapshot(id, state);
    await writer.sendCommand(['SET', keys.seq, id.slice(0, id.indexOf('-')), 'NX']);
  }

  /**
   * Writes the state as of `id` under a key of this node's, in pieces pushed one after another (the
   * event loop goes on between them), then renames it over the snapshot in one step: a reader finds the
   * whole old one or the whole new one. `state` was taken at once, as references to values the server
   * replaces rather than changes, so entries applied while it is written do not reach it.
   */
  async function storeSnapshot(id: string, state: unknown): Promise<number> {
    const building = `${keys.snapshot}:building:${node}`;
    await bulk.sendCommand(['DEL', building]);
    let bytes = 0;
    // Pieces of whole lines pushed on a list: no string of megabytes for Redis to grow (and copy), or
    // for a reader to decode in one reply.
    for await (const chunk of jsonLines({ id, format: SNAPSHOT_FORMAT, state })) {
      await bulk.sendCommand(['RPUSH', building, chunk]);
      bytes += Buffer.byteLength(chunk);
    }
    await bulk.sendCommand(['RENAME', building, keys.snapshot]);
    return bytes;
  }
  await lease(true);
  const timer = setInterval(() => void lease(false), renewMs);
  timer.unref();

  const snapshotEvery = options.snapshot?.every ?? 10_000;
  let sinceSnapshot = 0;

  /** Stores the state as of `id` (one node at a time), then trims what no node needs any more. */
  async function snapshot(id: string): Promise<{ bytes: number; ms: number } | null> {
    if (!options.snapshot?.take) return null;
    const started = performance.now();
    // Taken before anything awaits: the state is exactly that of `id`.
    const state = options.snapshot.take();
    const locked = await writer.sendCommand<string | null>(['SET', keys.snapshotLock, node, 'NX', 'PX', '60000']);
    if (locked !== 'OK') return null;
    try {
      const bytes = await storeSnapshot(id, state);
      const retainFrom = (Date.now() - (options.snapshot?.retainMs ?? 600_000)) * 1000;
      const floor = Math.min(Number(id.slice(0, id.indexOf('-'))), retainFrom);
      await writer.sendCommand(['XTRIM', keys.log, 'MINID', String(Math.max(0, Math.floor(floor)))]);
      return { bytes, ms: performance.now() - started };
    } finally {
      await writer.sendCommand(['EVAL', RELEASE_LOCK, '1', keys.snapshotLock, node]).catch(() => {});
    }
  }

  async function read(apply: (entry: LogEntry) => void): Promise<void> {
    // Not within start(): the hub calling it is still being constructed.
    await null;
    await restoreSnapshot();
    let last = fromSnapshot;
    if (compareIds(last, newest) >= 0) resolveCaughtUp();
    while (!closed) {
      let reply: Array<[string, Array<[string, string[]]>]> | null;
      try {
        reply = await reader.sendCommand(['XREAD', 'COUNT', '500', 'BLOCK', '1000', 'STREAMS', keys.log, last], { timeout: 5_000 } as never);
      } catch (error) {
        if (closed) return;
        options.log(`redis read: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      for (const [id, fields] of reply?.[0]?.[1] ?? []) {
        last = id;
        const field = (name: string) => fields[fields.indexOf(name) + 1]!;
        let parsed: { token: string; command: LogCommand };
        try {
          parsed = JSON.parse(field('c')) as { token: string; command: LogCommand };
        } catch {
          options.log(`redis log: unreadable entry ${id}`);
          continue;
        }
        apply({ seq: Number(id.slice(0, id.indexOf('-'))), at: Number(field('t')), command: parsed.command });
        const waiting = pending.get(parsed.token);
        if (waiting) {
          pending.delete(parsed.token);
          waiting.applied?.();
        }
      }
      applied = last;
      sinceSnapshot += reply?.[0]?.[1]?.length ?? 0;
      if (sinceSnapshot >= snapshotEvery) {
        sinceSnapshot = 0;
        // Taken now, between entries: the state is exactly that of `last`.
        snapshot(last).catch((error: Error) => options.log(`redis snapshot: ${error.message}`));
      }
      if (compareIds(last, newest) >= 0) resolveCaughtUp();
      for (let i = syncWaiters.length - 1; i >= 0; i--) {
        if (compareIds(applied, syncWaiters[i]!.id) >= 0) syncWaiters.splice(i, 1)[0]!.resolve();
      }
    }
  }

  type Hit = (error: Error | null, result?: { current: number; ttl: number }) => void;
  class RedisRateLimitStore {
    constructor(
      _params: unknown,
      private readonly scope = 'all',
    ) {}

    incr(key: string, done: Hit, timeWindow: number): void {
      writer
        .sendCommand<[number, number]>(['EVAL', COUNT_HIT, '1', `${prefix}:rate:${this.scope}:${key}`, String(timeWindow)])
        .then(([current, ttl]) => done(null, { current, ttl: Math.max(0, ttl) }), done);
    }

    child(routeOptions: { routeInfo?: { method?: string | string[]; url?: string } }): RedisRateLimitStore {
      const route = routeOptions.routeInfo;
      return new RedisRateLimitStore(routeOptions, `${String(route?.method ?? '')}${route?.url ?? ''}`);
    }
  }

  const log: RedisLog = {
    caughtUp,
    rateLimitStore: RedisRateLimitStore,
    send: (args) => writer.sendCommand(args),
    // Between two batches of entries the state is exactly that of `applied`: the read loop applies a
    // batch in one turn.
    snapshotNow: () => snapshot(applied),
    start(apply) {
      // A node that cannot take the shared state over (an unreadable snapshot) must not serve.
      read(apply).catch((error: Error) => {
        options.log(`redis log: ${error.message}`);
        failCaughtUp(error);
        log.close();
      });
    },
    append(command, applied, failed) {
      if (closed) {
        failed?.(new Error('the presence log is closed'));
        return;
      }
      const token = `${node}:${counter++}`;
      pending.set(token, { applied, failed });
      batch.push({ token, entry: JSON.stringify({ token, command }), failed });
      if (batch.length === 1) setImmediate(flush);
      else if (batch.length >= BATCH_MAX) flush();
    },
    rename(next) {
      // The old name's connections go (idempotent when the others already declared it down).
      const old = node;
      node = next;
      log.append({ type: 'node-down', node: old });
      void lease(true);
    },
    // Not connected now, or the last lease renewal failed.
    healthy: () => writer.isReady && healthy,
    async sync() {
      // What was appended before goes first, on the same connection, so the newest id includes it.
      flush();
      const id = (await writer.sendCommand<Array<[string, string[]]>>(['XREVRANGE', keys.log, '+', '-', 'COUNT', '1']))[0]?.[0] ?? '0-0';
      if (compareIds(applied, id) >= 0) return;
      await new Promise<void>((resolve) => syncWaiters.push({ id, resolve }));
    },
    close() {
      if (closed) return;
      // What this turn appended goes as it would have unbatched: sent, not awaited.
      flush();
      closed = true;
      clearInterval(timer);
      for (const waiting of pending.values()) waiting.failed?.(new Error('the presence log is closed'));
      pending.clear();
      void Promise.allSettled([writer.destroy(), reader.destroy(), bulk.destroy()]);
    },
  };
  return log;
}

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am === bm ? as - bs : am - bm;
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
