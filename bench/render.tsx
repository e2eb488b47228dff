// npm run bench:render: N rows, each showing one user's presence; 1,000 single-user presence updates;
// the kit (per-user stores + selectors) beside a naive React-context baseline, in one run, on React's
// production build, rendering into a minimal DOM (bench/tiny-dom.ts). Prints row renders per update,
// p50/p95 ms per update and peak heap. Then the flat list: N rows as siblings of one <ul> (React clones
// every sibling on the way to an update), the kit beside the floor, a keyed per-user store read with
// useSyncExternalStore and no context, with the bytes allocated per update. Then the room mode: a room
// of M members, a row per member reading it with useOther, one member's room presence changing per
// update as the server's frame, beside the same floor.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { installTinyDom } from './tiny-dom.ts';
import { reportFigures, type BenchFigure } from './report.ts';

// A small DOM of plain objects: the figures are React's and the state library's, not a DOM emulator's.
const { document } = installTinyDom();

if (process.env.NODE_ENV !== 'production') throw new Error('run with NODE_ENV=production (npm run bench:render does)');
const { createContext, memo, useContext, useMemo, useState, useSyncExternalStore } = await import('react');
const { flushSync } = await import('react-dom');
const { createRoot } = await import('react-dom/client');
const { createPresenceClient } = await import('../src/core/index.ts');
const { kernelOf } = await import('../src/core/kernel.ts');
const { PresenceProvider, RoomProvider, useOther, useUserPresence } = await import('../src/react/index.ts');
const { OnlineBadge } = await import('../src/components/index.ts');
const { makePresence, makeUserView } = await import('../src/testing/fixtures.ts');
type Presence = ReturnType<typeof makePresence>;

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,50000').split(',').map(Number);
const UPDATES = Number(process.env.BENCH_UPDATES ?? 1000);
// The baseline re-renders every row on every update: its update count is cut at large N to finish.
const baselineUpdates = (n: number) => Math.min(UPDATES, Math.max(20, Math.floor(2_000_000 / n)));
const STATUSES = ['online', 'away', 'busy'] as const;

let rowRenders = 0;
let peakHeap = 0;
const sampleHeap = () => {
  const used = process.memoryUsage().heapUsed;
  if (used > peakHeap) peakHeap = used;
};
const gc = () => (globalThis as { gc?: () => void }).gc?.();

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Result {
  impl: string;
  n: number;
  updates: number;
  rendersPerUpdate: number;
  p50: number;
  p95: number;
  /** The state library's own share: from the update call until React has been told (kit only). */
  stateP50: number | null;
  peakHeapMb: number;
}

interface MountedApp {
  /** Applies update i; returns the ms spent before React rendering started, when it can tell. */
  update(i: number): number | null;
  unmount(): void;
}

const ROUNDS = 3;

async function measure(impl: string, n: number, updates: number, mount: (container: HTMLElement) => MountedApp): Promise<Result> {
  gc();
  peakHeap = 0;
  const container = document.createElement('div');
  document.body.appendChild(container);
  const app = mount(container);
  sampleHeap();
  // Steady state: the first updates on a fresh tree pay for JIT compilation, not for the design.
  const warmUp = Math.min(500, Math.ceil(updates / 4));
  for (let i = 0; i < warmUp; i++) app.update(updates * ROUNDS + i);
  const times: number[] = [];
  const stateTimes: number[] = [];
  rowRenders = 0;
  // Several rounds, each after a full collection, so one unlucky GC does not decide a percentile.
  for (let round = 0; round < ROUNDS; round++) {
    gc();
    for (let i = round * updates; i < (round + 1) * updates; i++) {
      const start = performance.now();
      const statePart = app.update(i);
      times.push(performance.now() - start);
      if (statePart !== null) stateTimes.push(statePart);
      if (i % 50 === 0) sampleHeap();
    }
  }
  const renders = rowRenders;
  sampleHeap();
  app.unmount();
  document.body.removeChild(container);
  return {
    impl,
    n,
    updates: updates * ROUNDS,
    rendersPerUpdate: renders / (updates * ROUNDS),
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    stateP50: stateTimes.length ? percentile(stateTimes, 50) : null,
    peakHeapMb: peakHeap / 2 ** 20,
  };
}

/**
 * Both implementations render the same tree: rows in nested groups of at most 64, as a paginated or
 * virtualized list would. React walks every sibling of a fiber on the way to an update, so one flat
 * <ul> of 50,000 rows costs O(N) per update whatever the state library does.
 */
const FAN_OUT = 8;
/** Splits into at most FAN_OUT parts of equal depth: a balanced tree, so every row is log(N) groups deep. */
function chunk(ids: string[]): string[][] {
  let size = FAN_OUT;
  while (size * FAN_OUT < ids.length) size *= FAN_OUT;
  const parts: string[][] = [];
  for (let i = 0; i < ids.length; i += size) parts.push(ids.slice(i, i + size));
  return parts;
}
function makeGroup(Row: (props: { id: string }) => React.ReactNode) {
  const Group = memo(function Group({ ids }: { ids: string[] }): React.ReactNode {
    if (ids.length <= FAN_OUT) return ids.map((id) => <Row key={id} id={id} />);
    return chunk(ids).map((part) => <Group key={part[0]} ids={part} />);
  });
  return Group;
}

/** Mounts the same list shape for either implementation, inside its provider. */
function mountList(container: HTMLElement, ids: string[], Row: (props: { id: string }) => React.ReactNode, wrap: (list: React.ReactNode) => React.ReactNode) {
  const Group = makeGroup(Row);
  const root = createRoot(container);
  flushSync(() =>
    root.render(
      wrap(
        <ul>
          <Group ids={ids} />
        </ul>,
      ),
    ),
  );
  return root;
}

/** Each update changes the chosen user's status to a different one, so every update is a real change. */
function nextStatus(current: Map<string, string>, id: string, i: number) {
  const now = current.get(id) ?? 'online';
  const candidates = STATUSES.filter((status) => status !== now);
  const next = candidates[i % candidates.length]!;
  current.set(id, next);
  return next;
}

function kit(n: number, updatedUsers = n) {
  return (container: HTMLElement) => {
    const client = createPresenceClient({ url: 'http://127.0.0.1:9', token: 't', environment: null, offlineGraceMs: 0, autoAway: false });
    const ids = Array.from({ length: n }, (_, i) => `u${i}`);
    for (const id of ids) client.store.applyView(makeUserView(id, { presence: makePresence('online') }), 1);
    const Row = memo(function Row({ id }: { id: string }) {
      const status = useUserPresence(id, (presence) => presence?.status);
      rowRenders++;
      return <li>{status}</li>;
    });
    // The store is fed as the socket would; no connection is opened (connect() is never called here).
    const root = mountList(container, ids, Row, (list) => <PresenceProvider client={client}>{list}</PresenceProvider>);
    let seq = 2;
    const statuses = new Map<string, string>();
    return {
      update(i: number) {
        const id = ids[(i * 7919) % updatedUsers]!;
        const status = nextStatus(statuses, id, i) as Presence['status'];
        const start = performance.now();
        let told = 0;
        flushSync(() => {
          client.store.applyPresence(id, makePresence(status), seq++);
          told = performance.now();
        });
        return told - start;
      },
      unmount: () => root.unmount(),
    };
  };
}

function baseline(n: number) {
  return (container: HTMLElement) => {
    const ids = Array.from({ length: n }, (_, i) => `u${i}`);
    const Context = createContext<Map<string, Presence>>(new Map());
    let setPresence!: (update: (map: Map<string, Presence>) => Map<string, Presence>) => void;
    function Provider({ children }: { children: React.ReactNode }) {
      const [map, setMap] = useState(() => new Map(ids.map((id) => [id, makePresence('online')])));
      setPresence = setMap;
      return <Context.Provider value={map}>{children}</Context.Provider>;
    }
    const Row = memo(function Row({ id }: { id: string }) {
      const status = useContext(Context).get(id)?.status;
      rowRenders++;
      return <li>{status}</li>;
    });
    const root = mountList(container, ids, Row, (list) => <Provider>{list}</Provider>);
    const statuses = new Map<string, string>();
    return {
      update(i: number) {
        const id = ids[(i * 7919) % n]!;
        const status = nextStatus(statuses, id, i) as Presence['status'];
        flushSync(() => setPresence((map) => new Map(map).set(id, makePresence(status))));
        return null;
      },
      unmount: () => root.unmount(),
    };
  };
}

const FLAT_PROCESSES = 3;
const KIT_ROWS = { hook: 'presence-kit: useUserPresence row', badge: 'presence-kit: OnlineBadge row' };
// One flat-list pair, in a process of its own (see the flat list below): print its figures and stop.
const flatPair = process.env.BENCH_FLAT_PAIR?.split(':') as [string, keyof typeof KIT_ROWS] | undefined;
if (flatPair) {
  const [n, row] = [Number(flatPair[0]), flatPair[1]];
  process.stdout.write(
    JSON.stringify(
      measureFlat(n, [
        [row === 'hook' ? 'keyed store (floor)' : 'keyed store (floor, badge markup)', keyedFloor(n, row)],
        [KIT_ROWS[row], kitFlat(n, row)],
      ]),
    ),
  );
  process.exit(0);
}

const results: Result[] = [];
console.log(`bench:render (node ${process.version}, React production build, a minimal DOM; ${UPDATES} updates per size; baseline fewer at large N)`);
for (const n of SIZES) {
  results.push(await measure('presence-kit', n, UPDATES, kit(n)));
  // The same list, with the updates confined to 1,000 of its users: if this matches N=1,000, what
  // grows with N is the memory hierarchy (colder objects), not work per update.
  if (n > 1000) results.push(await measure('presence-kit, updates to 1,000 users', n, UPDATES, kit(n, 1000)));
  if (process.env.BENCH_SKIP_BASELINE) continue;
  results.push(await measure('context baseline', n, baselineUpdates(n), baseline(n)));
  const k = results.find((r) => r.impl === 'presence-kit' && r.n === n)!;
  const b = results.find((r) => r.impl === 'context baseline' && r.n === n);
  console.log(`  N=${n}: kit p50 ${k.p50.toFixed(3)} ms${b ? `, baseline p50 ${b.p50.toFixed(3)} ms` : ''}`);
}

// ---- the flat list ----------------------------------------------------------------------------

interface FlatResult {
  impl: string;
  n: number;
  p50: number;
  /** Bytes allocated per update: heap growth over a batch run between collections, divided by its size. */
  allocatedPerUpdate: number;
}

/** Heap growth of `run` with no collection inside (the young generation is sized for it: see package.json). */
function allocated(run: () => void): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  run();
  return process.memoryUsage().heapUsed - before;
}

/**
 * Measures implementations of one flat list side by side: all mounted at once, updates in blocks that
 * take turns in alternating order, so heap size, garbage, JIT state and the machine's other work weigh
 * on each alike. Measured one after another, the second ran in the first's garbage and the 50,000-row
 * ratio moved by ±0.5 between runs of the same code.
 */
function measureFlat(n: number, mounts: Array<[impl: string, mount: (container: HTMLElement) => MountedApp]>): FlatResult[] {
  gc();
  const apps = mounts.map(([impl, mount]) => {
    const container = document.createElement('div');
    document.body.appendChild(container);
    return { impl, container, app: mount(container), times: [] as number[] };
  });
  for (const { app } of apps) for (let i = 0; i < 300; i++) app.update(UPDATES * 10 + i);
  const BLOCK = 50;
  const blocks = Math.ceil((ROUNDS * UPDATES) / FLAT_PROCESSES / BLOCK);
  for (let block = 0; block < blocks; block++) {
    if (block % 20 === 0) gc();
    const order = block % 2 === 0 ? apps : [...apps].reverse();
    for (const { app, times } of order)
      for (let i = block * BLOCK; i < (block + 1) * BLOCK; i++) {
        const start = performance.now();
        app.update(i);
        times.push(performance.now() - start);
      }
  }
  const BATCH = 20;
  const results = apps.map(({ impl, app, times }) => {
    const samples: number[] = [];
    for (let batch = 0; batch < 5; batch++)
      samples.push(
        allocated(() => {
          for (let i = 0; i < BATCH; i++) app.update(UPDATES * 20 + batch * BATCH + i);
        }) / BATCH,
      );
    return { impl, n, p50: percentile(times, 50), allocatedPerUpdate: percentile(samples, 50) };
  });
  for (const { app, container } of apps) {
    app.unmount();
    document.body.removeChild(container);
  }
  return results;
}

function mountFlat(container: HTMLElement, ids: string[], Row: (props: { id: string }) => React.ReactNode, wrap: (list: React.ReactNode) => React.ReactNode) {
  const root = createRoot(container);
  flushSync(() =>
    root.render(
      wrap(
        <ul>
          {ids.map((id) => (
            <Row key={id} id={id} />
          ))}
        </ul>,
      ),
    ),
  );
  return root;
}

/** The kit in a flat list: a row of the app's own reading useUserPresence, or the kit's OnlineBadge. */
function kitFlat(n: number, row: 'hook' | 'badge') {
  return (container: HTMLElement) => {
    const client = createPresenceClient({ url: 'http://127.0.0.1:9', token: 't', environment: null, offlineGraceMs: 0, autoAway: false });
    const ids = Array.from({ length: n }, (_, i) => `u${i}`);
    for (const id of ids) client.store.applyView(makeUserView(id, { presence: makePresence('online') }), 1);
    const HookRow = memo(function Row({ id }: { id: string }) {
      const status = useUserPresence(id, (presence) => presence?.status);
      return <li>{status}</li>;
    });
    const BadgeRow = memo(function Row({ id }: { id: string }) {
      return (
        <li>
          <OnlineBadge userId={id} />
        </li>
      );
    });
    const root = mountFlat(container, ids, row === 'hook' ? HookRow : BadgeRow, (list) => <PresenceProvider client={client}>{list}</PresenceProvider>);
    let seq = 2;
    const statuses = new Map<string, string>();
    return {
      update(i: number) {
        const id = ids[(i * 7919) % n]!;
        const status = nextStatus(statuses, id, i) as Presence['status'];
        flushSync(() => void client.store.applyPresence(id, makePresence(status), seq++));
        return null;
      },
      unmount: () => root.unmount(),
    };
  };
}

/**
 * The floor: one value per user in a Map, listeners per user, useSyncExternalStore in each row, no
 * context. Beside OnlineBadge rows it draws the badge's markup, so the pair differs only in how the
 * status reaches the row.
 */
function keyedFloor(n: number, row: keyof typeof KIT_ROWS) {
  return (container: HTMLElement) => {
    const ids = Array.from({ length: n }, (_, i) => `u${i}`);
    const values = new Map<string, string>(ids.map((id) => [id, 'online']));
    const listeners = new Map<string, Set<() => void>>();
    const subscribe = (id: string, listener: () => void) => {
      let set = listeners.get(id);
      if (!set) listeners.set(id, (set = new Set()));
      set.add(listener);
      return () => void set.delete(listener);
    };
    const Row = memo(function Row({ id }: { id: string }) {
      const subscribeRow = useMemo(() => (listener: () => void) => subscribe(id, listener), [id]);
      const status = useSyncExternalStore(subscribeRow, () => values.get(id));
      if (row === 'hook') return <li>{status}</li>;
      return (
        <li>
          <span className="pk-badge" data-status={status} role="img" aria-label={status}>
            <span className="pk-dot" aria-hidden="true" />
          </span>
        </li>
      );
    });
    const root = mountFlat(container, ids, Row, (list) => list);
    const statuses = new Map<string, string>();
    return {
      update(i: number) {
        const id = ids[(i * 7919) % n]!;
        values.set(id, nextStatus(statuses, id, i));
        flushSync(() => {
          for (const listener of listeners.get(id) ?? []) listener();
        });
        return null;
      },
      unmount: () => root.unmount(),
    };
  };
}

const FLAT_GOALS: Record<number, number> = { 1000: 1.2, 10000: 1.2, 50000: 1.5 };
const flat: Array<{ n: number; floor: FlatResult; kits: Array<FlatResult & { floorP50: number; floorAllocated: number }> }> = [];
for (const n of SIZES) {
  // One kit beside the floor at a time (two providers mounted at once would send rows down the
  // context-reading path only pages with two providers take), each pair in a fresh process: a pair
  // measured after another ran in its leftovers, and both of its p50s doubled.
  const pairs = (['hook', 'badge'] as const).map((row) => {
    // Three processes, a third of the updates each: at 50,000 rows an update is memory-bound (about
    // 100 ns per sibling), so where a heap happened to place the fibers moves one process's figure by
    // up to 2x; the median process is the figure.
    const runs = Array.from(
      { length: FLAT_PROCESSES },
      () =>
        JSON.parse(
          execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
            env: { ...process.env, BENCH_FLAT_PAIR: `${n}:${row}` },
            encoding: 'utf8',
            maxBuffer: 1 << 20,
          }),
        ) as [FlatResult, FlatResult],
    );
    return runs.sort((a, b) => a[1].p50 / a[0].p50 - b[1].p50 / b[0].p50)[FLAT_PROCESSES >> 1]!;
  });
  const floor = pairs[0]![0];
  const kits = pairs.map(([pairFloor, kit]) => ({ ...kit, floorP50: pairFloor.p50, floorAllocated: pairFloor.allocatedPerUpdate }));
  flat.push({ n, floor, kits });
  console.log(`  flat N=${n}: ${kits.map((kit) => `${kit.impl} ${kit.p50.toFixed(3)} ms beside the floor's ${kit.floorP50.toFixed(3)} ms`).join('; ')}`);
}

// ---- the room mode ----------------------------------------------------------------------------

const ROOM_SIZES = (process.env.BENCH_ROOM_SIZES ?? '20,200,2000').split(',').map(Number);
let roomRowRenders = 0;

/**
 * A room of `m` members, a row per member reading its cursor with useOther; each update is one member's
 * `room-update` frame as the server sends it, taken by the client as from its socket (no socket opens:
 * the client is told it is connected, so the room's enter goes out and its answer can be fed back).
 * Mounted ahead, in a container of its own: RoomProvider hands its room to the tree from an effect,
 * which React renders on a later turn.
 */
async function mountKitRoom(m: number): Promise<MountedApp> {
  const container = document.createElement('div');
  document.body.appendChild(container);
  const client = createPresenceClient({ url: 'http://127.0.0.1:9', token: 't', environment: null, offlineGraceMs: 0, autoAway: false });
  const kernel = kernelOf(client);
  const feed = (frame: object) => kernel.other!(JSON.stringify(frame));
  let rid = 0;
  kernel.taps.add((direction, frame) => {
    if (direction === 'out' && frame.type === 'room-enter') rid = frame.rid ?? rid;
  });
  client.store.state.setState({ status: 'connected', currentUserId: 'me' });
  const ids = Array.from({ length: m }, (_, i) => `u${i}`);
  const member = (id: string, x: number) => ({
    userId: id,
    presence: { x },
    connections: [{ id: `c-${id}`, presence: { x }, enteredAt: '2026-12-05T00:00:00.000Z' }],
  });
  let shown = 0;
  const Row = memo(function Row({ id }: { id: string }) {
    const x = useOther(id, (other) => (other?.presence as { x: number } | null | undefined)?.x);
    roomRowRenders++;
    if (x !== undefined && id === 'u0') shown++;
    return <li>{x}</li>;
  });
  const root = mountFlat(container, ids, Row, (list) => (
    <PresenceProvider client={client}>
      <RoomProvider id="doc:bench">{list}</RoomProvider>
    </PresenceProvider>
  ));
  for (let turn = 0; turn < 100 && rid === 0; turn++) await new Promise((resolve) => setImmediate(resolve));
  feed({ type: 'room', rid, room: 'doc:bench', access: 'write', self: 'me', members: ids.map((id) => member(id, 0)) });
  for (let turn = 0; turn < 100 && shown === 0; turn++) await new Promise((resolve) => setImmediate(resolve));
  if (shown === 0) throw new Error('the room never reached the rows');
  // The rows subscribe to the room in passive effects, which run on a later turn too.
  for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));
  return {
    update(i: number) {
      const id = ids[(i * 7919) % m]!;
      flushSync(() => feed({ type: 'room-update', room: 'doc:bench', members: [member(id, i + 1)], left: [] }));
      return null;
    },
    unmount: () => {
      root.unmount();
      document.body.removeChild(container);
    },
  };
}

const roomResults: Array<{ m: number; rendersPerUpdate: number; floor: FlatResult; kit: FlatResult }> = [];
for (const m of ROOM_SIZES) {
  // Renders per update, counted on a tree of its own.
  const counted = await mountKitRoom(m);
  roomRowRenders = 0;
  for (let i = 0; i < 200; i++) counted.update(i);
  const rendersPerUpdate = roomRowRenders / 200;
  counted.unmount();
  const mounted = await mountKitRoom(m);
  const [floor, kit] = measureFlat(m, [
    ['keyed store (floor)', keyedFloor(m, 'hook')],
    ['presence-kit: useOther row, fed room-update frames', () => ({ update: mounted.update, unmount: () => {} })],
  ]) as [FlatResult, FlatResult];
  mounted.unmount();
  roomResults.push({ m, rendersPerUpdate, floor, kit });
  console.log(
    `  room of ${m}: kit ${kit.p50.toFixed(3)} ms beside the floor's ${floor.p50.toFixed(3)} ms; ${rendersPerUpdate.toFixed(2)} row renders per update`,
  );
}

const pad = (value: string | number, width: number) => String(value).padStart(width);
console.log('\n| users | implementation | updates | row renders / update | p50 ms / update | p95 ms / update | state library p50 ms | peak heap MB |');
console.log('|---:|---|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(
    `| ${r.n} | ${r.impl} | ${r.updates} | ${r.rendersPerUpdate.toFixed(2)} | ${r.p50.toFixed(3)} | ${r.p95.toFixed(3)} | ${r.stateP50 === null ? '-' : r.stateP50.toFixed(4)} | ${r.peakHeapMb.toFixed(1)} |`,
  );
}
const kitRows = results.filter((r) => r.impl === 'presence-kit');
const smallest = kitRows[0]!;
const largest = kitRows.at(-1)!;
console.log('\nratios (same run):');
for (const n of SIZES) {
  const k = results.find((r) => r.impl === 'presence-kit' && r.n === n)!;
  const b = results.find((r) => r.impl === 'context baseline' && r.n === n);
  if (!b) continue;
  console.log(
    `  N=${pad(n, 6)}: baseline p50 / kit p50 = ${(b.p50 / k.p50).toFixed(1)}x; row renders ${b.rendersPerUpdate.toFixed(0)} vs ${k.rendersPerUpdate.toFixed(2)}`,
  );
}
const growth = largest.p50 / smallest.p50;
const oneRender = kitRows.every((r) => r.rendersPerUpdate === 1);
console.log(`  kit p50 at N=${largest.n} / p50 at N=${smallest.n} = ${growth.toFixed(2)} (goal <= 1.5)`);
console.log(`  kit state-library p50 at N=${largest.n} / at N=${smallest.n} = ${(largest.stateP50! / smallest.stateP50!).toFixed(2)}`);
console.log(`goal: exactly 1 row render per update: ${oneRender ? 'met' : 'NOT met'}; p50 growth <= 1.5x: ${growth <= 1.5 ? 'met' : 'NOT met'}`);
const figures: BenchFigure[] = [];
for (const n of SIZES) {
  const k = results.find((r) => r.impl === 'presence-kit' && r.n === n)!;
  const b = results.find((r) => r.impl === 'context baseline' && r.n === n);
  figures.push(
    {
      figure: `render, ${n} users: p50 ms per update (vs one React context)`,
      value: k.p50,
      unit: 'ms',
      ...(b ? { baseline: b.p50, ratio: k.p50 / b.p50 } : {}),
    },
    {
      figure: `render, ${n} users: row renders per update`,
      value: k.rendersPerUpdate,
      unit: 'renders',
      ...(b ? { baseline: b.rendersPerUpdate, ratio: k.rendersPerUpdate / b.rendersPerUpdate } : {}),
      goal: 'exactly 1',
      met: k.rendersPerUpdate === 1,
    },
  );
}
console.log('\n| flat list: users | implementation | p50 ms / update | floor p50 ms (same blocks) | / floor | allocated KB / update | goal |');
console.log('|---:|---|---:|---:|---:|---:|---|');
let flatMet = true;
for (const { n, floor, kits } of flat) {
  console.log(`| ${n} | ${floor.impl} | ${floor.p50.toFixed(3)} | | 1.00 | ${(floor.allocatedPerUpdate / 1024).toFixed(1)} | |`);
  for (const kit of kits) {
    // Against the floor measured beside it, in the same blocks.
    const ratio = kit.p50 / kit.floorP50;
    const goal = FLAT_GOALS[n];
    const met = goal === undefined || ratio <= goal;
    flatMet &&= met;
    console.log(
      `| ${n} | ${kit.impl} | ${kit.p50.toFixed(3)} | ${kit.floorP50.toFixed(3)} | ${ratio.toFixed(2)} | ${(kit.allocatedPerUpdate / 1024).toFixed(1)} | ${goal === undefined ? '' : `<= ${goal}x: ${met ? 'met' : 'NOT met'}`} |`,
    );
    figures.push({
      figure: `render, flat list of ${n}: ${kit.impl} p50 ms per update (vs a keyed store)`,
      value: kit.p50,
      baseline: kit.floorP50,
      unit: 'ms',
      ratio,
      ...(goal === undefined ? {} : { goal: `ratio <= ${goal}`, met }),
    });
    figures.push({
      figure: `render, flat list of ${n}: ${kit.impl} KB allocated per update (vs a keyed store)`,
      value: kit.allocatedPerUpdate / 1024,
      baseline: kit.floorAllocated / 1024,
      unit: 'KB',
      ratio: kit.allocatedPerUpdate / Math.max(1, kit.floorAllocated),
    });
  }
}
figures.push({
  figure: `render: p50 at ${largest.n} users vs at ${smallest.n} users`,
  value: largest.p50,
  baseline: smallest.p50,
  unit: 'ms',
  ratio: growth,
  goal: 'ratio <= 1.5',
  met: growth <= 1.5,
});
console.log('\n| room members | implementation | row renders / update | p50 ms / update | floor p50 ms (same blocks) | / floor | allocated KB / update |');
console.log('|---:|---|---:|---:|---:|---:|---:|');
let roomOneRender = true;
for (const { m, rendersPerUpdate, floor, kit } of roomResults) {
  roomOneRender &&= rendersPerUpdate === 1;
  console.log(`| ${m} | ${floor.impl} | 1.00 | ${floor.p50.toFixed(3)} | | 1.00 | ${(floor.allocatedPerUpdate / 1024).toFixed(1)} |`);
  console.log(
    `| ${m} | ${kit.impl} | ${rendersPerUpdate.toFixed(2)} | ${kit.p50.toFixed(3)} | ${floor.p50.toFixed(3)} | ${(kit.p50 / floor.p50).toFixed(2)} | ${(kit.allocatedPerUpdate / 1024).toFixed(1)} |`,
  );
  figures.push(
    { figure: `render, room of ${m}: row renders per member update`, value: rendersPerUpdate, unit: 'renders', goal: 'exactly 1', met: rendersPerUpdate === 1 },
    {
      figure: `render, room of ${m}: useOther row p50 ms per member update (vs a keyed store)`,
      value: kit.p50,
      baseline: floor.p50,
      unit: 'ms',
      ratio: kit.p50 / floor.p50,
    },
  );
}
console.log(`goal: exactly 1 row render per room member update: ${roomOneRender ? 'met' : 'NOT met'}`);
reportFigures('bench:render', figures);
if (!oneRender || growth > 1.5 || !roomOneRender) process.exitCode = 1;
