// npm run bench:size: bytes of each public entry and of a typical app import, minified (esbuild) and
// gzipped (-9), with react, react-dom, @tanstack/react-query and zustand external; and the kit's own code
// alone (every package external). Printed beside the peers' figures measured the same way.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const PEERS = ['react', 'react-dom', 'react/jsx-runtime', '@tanstack/react-query', 'zustand', 'zustand/vanilla'];
const BUDGETS: Record<string, number> = { 'typical app import': 15_000, 'presence-kit/core': 7_000, 'own code (typical import)': 8_000 };
const PEER_FIGURES = [
  ['Liveblocks react', 68_028],
  ['Ably modular + react hooks', 42_126],
  ['Supabase realtime-js', 17_062],
  ['partysocket/react', 4_999],
] as const;

const dir = mkdtempSync(join(tmpdir(), 'presence-size-'));
const typical = join(dir, 'typical.tsx');
writeFileSync(
  typical,
  `export { PresenceProvider, useConnectionState, useUser, useUserPresence, useCurrentUser, useUsers, useOnlineUsers, useOnStatusUpdate, useOnConnect, useOnDisconnect, useOnConnectionEvent, useOnUserPresenceChanged, useBlockedUsers, useSession, usePresenceClient } from '${root}/src/react/index.ts';
export { OnlineBadge, UserAvatar, OnlineList } from '${root}/src/components/index.ts';
`,
);

async function measure(entry: string, external: string[] | 'all'): Promise<{ raw: number; gzip: number }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    jsx: 'automatic',
    write: false,
    ...(external === 'all' ? { packages: 'external' as const } : { external }),
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  return { raw: code.byteLength, gzip: gzipSync(code, { level: 9 }).byteLength };
}

const rows: Array<[string, { raw: number; gzip: number }]> = [
  ['typical app import', await measure(typical, PEERS)],
  ['presence-kit (everything)', await measure(join(root, 'src/index.ts'), PEERS)],
  ['presence-kit/core', await measure(join(root, 'src/core/index.ts'), PEERS)],
  ['presence-kit/components', await measure(join(root, 'src/components/index.ts'), PEERS)],
  ['own code (typical import)', await measure(typical, 'all')],
];
rmSync(dir, { recursive: true, force: true });

console.log('bench:size (esbuild --minify, gzip -9; react, react-dom, react-query, zustand external)\n');
console.log('| bundle | raw B | gzip B | budget (gzip) | verdict |');
console.log('|---|---:|---:|---:|---|');
let over = 0;
for (const [name, size] of rows) {
  const budget = BUDGETS[name];
  const verdict = budget === undefined ? '' : size.gzip <= budget ? 'within' : 'OVER';
  if (verdict === 'OVER') over++;
  console.log(`| ${name} | ${size.raw} | ${size.gzip} | ${budget ?? ''} | ${verdict} |`);
}
const app = rows[0]![1].gzip;
console.log('\n| peer (measured the same way) | gzip B | typical app import / peer |');
console.log('|---|---:|---:|');
for (const [name, bytes] of PEER_FIGURES) console.log(`| ${name} | ${bytes} | ${(app / bytes).toFixed(2)} |`);
if (over) {
  console.log(`\n${over} budget(s) exceeded`);
  process.exitCode = 1;
}
