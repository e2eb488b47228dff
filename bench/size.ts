// npm run bench:size: bytes of each public entry and of a typical app import, minified (esbuild) and
// gzipped (-9), with react, react-dom, @tanstack/react-query and zustand external; and the kit's own code
// alone (every package external). Printed beside the peers' figures measured the same way, with what each
// third-party package adds and the two candidate schema libraries weighed on the same schema.
//
// Bundles are measured as a bundler with code splitting emits them: what loads first, and what loads on
// demand. Then what apps get (bench/size-installed.ts): the packed tarball installed into a scratch app,
// bundled by esbuild and by Vite, the worse of the two. `-- --check` (run by .ci/run) gates that measure:
// a bundle fails above its CI ceiling, its budget where met, otherwise the size reached so far, so no
// change can grow an unmet budget's gap unnoticed. The measure from src/ is printed beside it.
import { build, type Metafile } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { reportFigures } from './report.ts';
import { FEATURES, measureInstalled } from './size-installed.ts';

const root = resolve(import.meta.dirname, '..');
const PEERS = ['react', 'react-dom', 'react/jsx-runtime', '@tanstack/react-query', 'zustand', 'zustand/vanilla'];
// The budgets of the modular-client issue (initial gzip bytes).
const BUDGETS: Record<string, number> = { 'typical app import': 15_000, 'provider + UserAvatar': 10_000, 'minimal core': 7_000 };
/** Issue 23's budgets, on the installed package (worse of esbuild and Vite, initial gzip): the CI gate. */
const INSTALLED_BUDGETS: Record<string, number> = { 'typical app import': 18_000, 'provider + UserAvatar': 13_000, 'minimal core': 10_000 };
/**
 * What the installed package reached while its budgets are unmet (the worse of esbuild and Vite): measured
 * on 2026-12-05 once dist kept one module per source module (from 23,886 / 23,245 / 13,679 B with Vite
 * before). Raised only in the change that needs it, saying why: +4 B (typical import) so that OnlineList's
 * card stays while focus is in the list after the pointer leaves it.
 *
 * Issue 23's two design changes, measured the same way in one session: the browser client's hand-written
 * decoders in place of valibot took the three to 18,574 / 13,342 / 11,229 B (-2,017 / -1,674 / -1,707);
 * partysocket back as the socket, as the issue asks, added 2,633 / 2,605 / 2,561 B (its minified module
 * is 8.4 KB, a third of it warnings for missing globals). The ceilings are what the two left. Making guest
 * sign-in, auto-away and the status checks opt-in modules was measured (stubbed) at -1,155 B on the
 * minimal core: not enough for 10,000 with partysocket, so the budgets stay unmet (bench/results.md).
 * Raised in the same session by +258 / +200 / +201 B for issue 22's first part and two fixes found on the
 * way: the goodbye on `pagehide` and the reconnect on `pageshow`; a pong deadline that fires late asking
 * again; one token refresh per browser (a Web Lock) and none for a token already replaced; an attempt
 * that fails before the welcome going through partysocket's backoff (it looped without); a refused room
 * entry not also reported as unhandled; the check of an app's own `wsUrl`. Then +188 / +180 / +181 B for
 * automatic away across tabs (input in any tab counts, and whether a tab set away is shared, over a
 * BroadcastChannel): a background tab set the user away while they worked in another, and when the tab
 * that set away closed, no other tab brought the user back. Then +34 / +32 / +39 B from the review: the
 * client reads a frame's JSON text with the server's own step (`readJsonText`) instead of a copy of it, and
 * both frame decoders share one type lookup (`byType`); the copies compressed better than the calls.
 * Lowered by 272 / 197 / 205 B (2026-12-05): guest sessions load on demand. They keep the guest in
 * IndexedDB now (Chromium's localStorage showed a tab a token another tab had just rotated, so both
 * exchanged it), which would have added bytes to every app; on demand they cost nothing initially, since
 * the client passes the guest module what it needs (request, decoder) instead of the module importing
 * them: a chunk sharing code with the main one costs more than it saves (+507 B, measured before).
 * Raised by +357 / +322 / +338 B for one socket per browser (issue 22): the switch that decides whether tabs
 * share (a browser with Web Locks and BroadcastChannel, `shareConnection` not false), finding the user first,
 * the real connection's options kept for the tab that leads, a halt told by the leader, and devtools' line.
 * The sharing itself (tab-link.ts, tab-hub.ts) loads on demand, only where it runs: +2,820 B gzip on demand
 * in the typical app, shared with nothing in the main chunk.
 * Raised by +247 B (typical import, 2026-12-05) for OnlineList's active option named only while it is in
 * the DOM (active-descendant.ts: checked after each commit, and by a MutationObserver when the virtualizer
 * redraws rows on its own): the range alone let it name an option the virtualizer had just removed, which
 * axe failed about one run in four on the 10,000-person story (checking after commits alone, +96 B, still
 * failed it once in CI).
 */
const INSTALLED_REACHED: Record<string, number> = { 'typical app import': 23_801, 'provider + UserAvatar': 16_755, 'minimal core': 14_596 };
/**
 * Until a budget is met, `--check` fails above what was reached, so no change widens the gap
 * unnoticed; a met budget is the gate itself. Reached on 2026-11-23 by the modular client (from 24,976 /
 * 16,310 / 14,166 B with the bundles defined as the issue does), then raised, each time in the change that
 * needed it: +0.1 KB for rows that skip the context in flat lists (3.7x -> 1.2x the keyed-store floor at
 * 10,000 rows), +0.1 KB for guest sign-in, +0.6 KB (typical import) for OnlineList's sections, skeleton,
 * retry and "(you)", +0.15 KB for saying why a connection never opens (the diagnosis itself loads on demand),
 * +0.3 KB for the status emoji and "clear after" (two presence fields read, and a patch with them checked
 * before it is sent: one emoji, at most 7 days ahead). Note that esbuild keeps every valibot schema of a
 * module an app uses (it does not carry valibot's `@__NO_SIDE_EFFECTS__` across files; marking each call
 * `@__PURE__` was measured at -40 B, since the inbound messages use nearly all of them anyway). So a schema
 * only some apps need lives in a module of its own: the profile edit and the REST pages left model.ts
 * (-160 B on the avatar and minimal bundles, which no longer carry valibot's strictObject), and the
 * ceilings came down with them. Raised by 4 B (provider + UserAvatar) and 13 B (minimal core) for rooms'
 * frame hook (unknown frames handed to `enterRoom`'s module, and `send` on the kernel): 18-20 B gzip in all.
 * Raised for two fixes of the first product demo (issue 24): +138 B (typical import) for OnlineList's
 * offline section keeping whoever goes offline while watched (they vanished from the list), and +285 B
 * (every bundle) for remembering a guest across reloads and tabs (localStorage; a new person on every
 * reload before). Loading the guest code on demand was measured at +507 B initial: the chunk it makes
 * shares valibot and the protocol with the main one, and their cross-chunk names cost more than the code.
 * Then the rest of that issue's fixes: +58 B (every bundle) for one refusal of a guest sign-in instead of
 * one per hook and retry; +30 B (avatar) for one readable initial on small avatars and useCurrentUser
 * erroring at once; +212 B (typical import) for OnlineList's shorter headings (rows of two heights),
 * the sign-in refusal shown in the list, and offline rows showing when they were last seen. +311 B
 * (typical import) for OnlineList's `card` prop (the active person's card after a moment, described by
 * it, Escape hides it): the card itself is passed in, since loading it on demand from OnlineList was
 * measured at +1,543 B initial (its chunk shares UserAvatar and the hooks with the main one).
 * Raised for large lists (issue 21): +252 B (minimal core) and +271 B (avatar) for the online list's
 * mode and counts (the `online-count` frame, forgetting whom the client stops hearing of, asking for the
 * whole list again), and +1,782 B (typical import) for the window on the list (watchOnlineWindow, 2.1 KB
 * minified) and OnlineList's large mode. Loading the window on demand was measured: esbuild put it in the
 * chunk shared with the entry anyway (it is re-exported from the core's index), so it costs the same.
 */
const REACHED: Record<string, number> = { 'typical app import': 20_681, 'provider + UserAvatar': 15_026, 'minimal core': 12_721 };
const check = process.argv.includes('--check');
const PEER_FIGURES = [
  ['Liveblocks react', 68_028],
  ['Ably modular + react hooks', 42_126],
  ['Supabase realtime-js', 17_062],
  ['partysocket/react', 4_999],
] as const;

const dir = mkdtempSync(join(tmpdir(), 'presence-size-'));
function entry(name: string, code: string): string {
  const file = join(dir, name);
  writeFileSync(file, code.replaceAll('@/', `${root}/src/`));
  return file;
}
// What the issue calls a typical app: these hooks and components, nothing else.
const TYPICAL = `export { PresenceProvider, useUser, useCurrentUser, useUserPresence, useOnlineUsers, useOnStatusUpdate, useConnectionState } from '@/react/index.ts';
export { OnlineBadge, UserAvatar, OnlineList } from '@/components/index.ts';
`;
const typical = entry('typical.tsx', TYPICAL);
const avatarOnly = entry(
  'avatar.tsx',
  `export { PresenceProvider } from '@/react/index.ts';
export { UserAvatar } from '@/components/index.ts';
`,
);
// The typical app that also uses rooms: what rooms add to an app that uses them (and, from the first
// row, that an app that does not pays nothing for them).
const withRooms = entry(
  'rooms.tsx',
  `${TYPICAL}export { RoomProvider, useOthers, useOtherIds, useOther, useMyPresence, useBroadcastEvent, useRoomEvent, useTyping } from '@/react/index.ts';
export { RoomAvatars, TypingIndicator } from '@/components/index.ts';
`,
);
// The typical app with the devtools mounted, as React Query Devtools are.
const withDevtools = entry('devtools.tsx', `${TYPICAL}export { PresenceDevtools } from '@/devtools/index.ts';\n`);
// The smallest useful program: connect and watch one user's presence.
const minimalCore = entry(
  'minimal.ts',
  `import { createPresenceCore } from '@/core/index.ts';
const client = createPresenceCore({ url: location.origin, token: () => fetch('/token').then((r) => r.text()) });
client.connect();
client.retainUser('ada');
client.store.userStore('ada').subscribe((entry) => console.log(entry.presence?.status));
`,
);

/**
 * Bytes an app downloads before it runs (the entry and every chunk it imports statically) and bytes
 * loaded on demand (dynamic imports, e.g. the virtualizer of long lists), as a bundler with code
 * splitting emits them; each file gzipped on its own, as it is served.
 */
async function measure(
  entry: string,
  external: string[] | 'all',
  nodeEnv = 'production',
): Promise<{ raw: number; gzip: number; lazyGzip: number; metafile: Metafile }> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    splitting: true,
    outdir: join(dir, 'out'),
    minify: true,
    format: 'esm',
    platform: 'browser',
    jsx: 'automatic',
    write: false,
    metafile: true,
    ...(external === 'all' ? { packages: 'external' as const } : { external }),
    // As an app's production build: code for development only (the devtools) is dropped.
    define: { 'process.env.NODE_ENV': JSON.stringify(nodeEnv) },
    logLevel: 'silent',
  });
  const outputs = result.metafile.outputs;
  const entryFile = Object.keys(outputs).find((file) => outputs[file]!.entryPoint !== undefined)!;
  const initial = new Set<string>();
  const visit = (file: string) => {
    if (initial.has(file)) return;
    initial.add(file);
    for (const imported of outputs[file]!.imports) if (imported.kind === 'import-statement' && outputs[imported.path]) visit(imported.path);
  };
  visit(entryFile);
  // On demand: what a dynamic import reachable from the app can load. A chunk esbuild wrote for an
  // import() that production code dropped is never loaded, so it is not counted.
  const reachable = new Set(initial);
  const reach = (file: string) => {
    for (const imported of outputs[file]!.imports) {
      if (!outputs[imported.path] || reachable.has(imported.path)) continue;
      reachable.add(imported.path);
      reach(imported.path);
    }
  };
  for (const file of initial) reach(file);
  const sizes = { raw: 0, gzip: 0, lazyGzip: 0, metafile: result.metafile };
  for (const file of result.outputFiles) {
    const path = Object.keys(outputs).find((name) => file.path.endsWith(name.replace(/^.*?out\//, '/')))!;
    const gzip = gzipSync(file.contents, { level: 9 }).byteLength;
    if (initial.has(path)) {
      sizes.raw += file.contents.byteLength;
      sizes.gzip += gzip;
    } else if (reachable.has(path)) sizes.lazyGzip += gzip;
  }
  return sizes;
}

const failed: string[] = [];
const rows: Array<[string, { raw: number; gzip: number; lazyGzip: number }]> = [
  ['typical app import', await measure(typical, PEERS)],
  ['provider + UserAvatar', await measure(avatarOnly, PEERS)],
  ['minimal core', await measure(minimalCore, PEERS)],
  ['presence-kit (whole entry)', await measure(join(root, 'src/index.ts'), PEERS)],
  ['presence-kit/core (whole entry)', await measure(join(root, 'src/core/index.ts'), PEERS)],
  ['presence-kit/components (whole entry)', await measure(join(root, 'src/components/index.ts'), PEERS)],
  ['own code (typical import)', await measure(typical, 'all')],
  ['typical app + rooms (provider, 7 hooks, RoomAvatars, TypingIndicator)', await measure(withRooms, PEERS)],
  ['typical app + PresenceDevtools (development)', await measure(withDevtools, PEERS, 'development')],
  ['typical app + PresenceDevtools (production)', await measure(withDevtools, PEERS)],
];
// Devtools are absent from production bundles: importing them there costs a stub, and nothing loads.
const [production, typicalSize] = [rows.find(([name]) => name.endsWith('(production)'))![1], rows[0]![1]];
const devtoolsInProduction = { initial: production.gzip - typicalSize.gzip, lazy: production.lazyGzip - typicalSize.lazyGzip };
if (devtoolsInProduction.initial > 200 || devtoolsInProduction.lazy !== 0) {
  failed.push(
    `PresenceDevtools in a production build: +${devtoolsInProduction.initial} B initial, +${devtoolsInProduction.lazy} B on demand (allowed: 200, 0)`,
  );
}

// What each module adds to the typical import (minified bytes in the bundle, before gzip), so the next
// regression has a name.
const modules = new Map<string, number>();
for (const output of Object.values((await measure(typical, PEERS)).metafile.outputs)) {
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = file.includes('node_modules/') ? file.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, '$1') : file.replace(/^.*?src\//, 'src/');
    if (bytesInOutput > 0) modules.set(name, (modules.get(name) ?? 0) + bytesInOutput);
  }
}

// What each third-party package adds to the typical import: the bundle with it minus the bundle without it.
const app = rows[0]![1].gzip;
const packages: Array<[string, number, number]> = [];
for (const name of ['@tanstack/react-virtual', 'partysocket', 'valibot']) {
  const without = await measure(typical, [...PEERS, name, `${name}/*`]);
  packages.push([name, app - without.gzip, rows[0]![1].lazyGzip - without.lazyGzip]);
}

// The client's inbound schema with each library: what the library itself costs for the same job.
const valibotEntry = join(dir, 'valibot.ts');
writeFileSync(valibotEntry, `export { parseServerMessage } from '${root}/src/core/protocol/messages.ts';\n`);
const zodEntry = join(root, 'bench/schema-compare/zod-mini.ts');
const schemaLibraries: Array<[string, number, number]> = [];
// What the browser client ships instead: its hand-written decoder (no library).
const decoderEntry = join(dir, 'decoder.ts');
writeFileSync(decoderEntry, `export { readServerMessage } from '${root}/src/core/decode/messages.ts';\n`);
const decoderBytes = (await measure(decoderEntry, [])).gzip;
for (const [name, entry, pkg] of [
  ['valibot', valibotEntry, 'valibot'],
  ['zod/mini', zodEntry, 'zod'],
] as const) {
  const all = (await measure(entry, [])).gzip;
  schemaLibraries.push([name, all, all - (await measure(entry, [pkg, `${pkg}/*`])).gzip]);
}
rmSync(dir, { recursive: true, force: true });
// The comparison means something only if both versions accept and refuse the same frames.
const { parseServerMessage: viaValibot } = await import('../src/core/protocol/messages.ts');
const { parseServerMessage: viaZod } = await import('./schema-compare/zod-mini.ts');
const user = {
  id: 'ada',
  username: 'ada',
  displayName: 'Ada',
  avatarUrl: null,
  role: 'user',
  kind: 'person',
  isGuest: false,
  tags: [],
  metadata: {},
  profileUrl: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  blockedAt: null,
};
const samples = [
  JSON.stringify({ type: 'user', seq: 1, user: { ...user, presence: null, blockedByMe: false, hasBlockedMe: false } }),
  JSON.stringify({ type: 'user', seq: 1, user: { ...user, avatarUrl: 'javascript:alert(1)', presence: null, blockedByMe: false, hasBlockedMe: false } }),
  JSON.stringify({ type: 'user', seq: 1, user: { ...user, metadata: [1], presence: null, blockedByMe: false, hasBlockedMe: false } }),
  JSON.stringify({ type: 'presence', seq: -1, userId: 'ada', presence: null }),
  JSON.stringify({ type: 'ack', rid: 3 }),
  '{"type":"nope"}',
];
for (const sample of samples) {
  if (viaValibot(sample).ok !== viaZod(sample).ok) throw new Error(`the zod/mini schema disagrees with the valibot one on ${sample}`);
}

console.log('bench:size (esbuild --minify, gzip -9; react, react-dom, react-query, zustand external)\n');
console.log('| bundle | raw B (initial) | gzip B (initial) | gzip B loaded on demand | budget (gzip, initial) | verdict | reached (record) |');
console.log('|---|---:|---:|---:|---:|---|---:|');
for (const [name, size] of rows) {
  const budget = BUDGETS[name];
  const verdict = budget === undefined ? '' : size.gzip <= budget ? 'within' : `OVER by ${size.gzip - budget}`;
  // The reached sizes of the source measure, kept for the record: the gate is on the installed package.
  const reached = budget === undefined || size.gzip <= budget ? '' : (REACHED[name] ?? '');
  console.log(`| ${name} | ${size.raw} | ${size.gzip} | ${size.lazyGzip || ''} | ${budget ?? ''} | ${verdict} | ${reached} |`);
}

// What apps get: the packed package installed, bundled by esbuild and by Vite.
const installed = await measureInstalled();
const worseOf = (name: string) => {
  const { esbuild, vite } = installed.get(name)!;
  return { initial: Math.max(esbuild.initial, vite.initial), lazy: Math.max(esbuild.lazy, vite.lazy) };
};
console.log('\nfrom the packed package installed into a scratch app (initial gzip B; on demand after the slash):\n');
console.log('| app | esbuild | Vite | worse | from src/ | budget | verdict | CI ceiling |');
console.log('|---|---:|---:|---:|---:|---:|---|---:|');
for (const [name, { esbuild, vite }] of installed) {
  const worse = Math.max(esbuild.initial, vite.initial);
  const budget = INSTALLED_BUDGETS[name];
  const ceiling = budget === undefined ? undefined : worse <= budget ? budget : (INSTALLED_REACHED[name] ?? budget);
  if (ceiling !== undefined && worse > ceiling) failed.push(`${name} (installed, worse of esbuild and Vite): ${worse} B > ${ceiling} B`);
  const verdict = budget === undefined ? '' : worse <= budget ? 'within' : `OVER by ${worse - budget}`;
  const fromSrc = rows.find(([row]) => row === name)?.[1].gzip ?? '';
  console.log(
    `| ${name} | ${esbuild.initial} / ${esbuild.lazy} | ${vite.initial} / ${vite.lazy} | ${worse} | ${fromSrc} | ${budget ?? ''} | ${verdict} | ${ceiling ?? ''} |`,
  );
}
// Each optional feature is paid for only by the apps that import it.
console.log('\n| optional feature | adds to the typical app, gzip B initial (worse bundler) | adds on demand |');
console.log('|---|---:|---:|');
const base = worseOf('typical app import');
for (const [feature, app] of Object.entries(FEATURES)) {
  const withIt = worseOf(app);
  console.log(`| ${feature} | ${withIt.initial - base.initial} | ${withIt.lazy - base.lazy} |`);
}
console.log('\n| module in the typical import (every chunk) | minified B |');
console.log('|---|---:|');
for (const [name, bytes] of [...modules].sort((x, y) => y[1] - x[1])) console.log(`| ${name} | ${bytes} |`);
console.log(
  `\nPresenceDevtools add ${devtoolsInProduction.initial} B (gzip, initial) and ${devtoolsInProduction.lazy} B on demand to a production build (allowed: 200 and 0).`,
);
console.log('\n| third-party package in the typical import | adds gzip B (initial) | adds gzip B (on demand) |');
console.log('|---|---:|---:|');
for (const [name, initial, lazy] of packages) console.log(`| ${name} | ${initial} | ${lazy} |`);
console.log("\n| the client's inbound schema with | bundle gzip B | of which the library |");
console.log('|---|---:|---:|');
for (const [name, all, library] of schemaLibraries) console.log(`| ${name} | ${all} | ${library} |`);
console.log(`| the client's hand-written decoder (what it ships) | ${decoderBytes} | 0 |`);
console.log('\n| peer (measured the same way) | gzip B | typical app import / peer |');
console.log('|---|---:|---:|');
for (const [name, bytes] of PEER_FIGURES) console.log(`| ${name} | ${bytes} | ${(app / bytes).toFixed(2)} |`);

const smallestFullPeer = PEER_FIGURES[2];
reportFigures('bench:size', [
  ...rows
    .filter(([name]) => BUDGETS[name] !== undefined)
    .map(([name, size]) => ({
      figure: `bundle gzip: ${name}${name === 'typical app import' ? ` (baseline: ${smallestFullPeer[0]})` : ''}`,
      value: size.gzip,
      unit: 'B',
      ...(name === 'typical app import' ? { baseline: smallestFullPeer[1], ratio: size.gzip / smallestFullPeer[1] } : {}),
      goal: `<= ${BUDGETS[name]} B`,
      met: size.gzip <= BUDGETS[name]!,
    })),
  ...[...installed]
    .filter(([name]) => INSTALLED_BUDGETS[name] !== undefined)
    .map(([name, { esbuild, vite }]) => {
      const worse = Math.max(esbuild.initial, vite.initial);
      return {
        figure: `installed package, worse of esbuild and Vite: ${name}`,
        value: worse,
        unit: 'B',
        goal: `<= ${INSTALLED_BUDGETS[name]} B`,
        met: worse <= INSTALLED_BUDGETS[name]!,
      };
    }),
  {
    figure: "the client's check of inbound frames: hand-written decoder (baseline: the same with valibot's schemas)",
    value: decoderBytes,
    baseline: schemaLibraries[0]![1],
    unit: 'B',
    ratio: decoderBytes / schemaLibraries[0]![1],
  },
  {
    figure: "schema library for the client's inbound schema: valibot (baseline: zod/mini)",
    value: schemaLibraries[0]![2],
    baseline: schemaLibraries[1]![2],
    unit: 'B',
    ratio: schemaLibraries[0]![2] / schemaLibraries[1]![2],
  },
]);
if (check && failed.length) {
  console.log(`\nCI ceiling exceeded:\n  ${failed.join('\n  ')}`);
  process.exitCode = 1;
}
