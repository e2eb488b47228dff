// bench:size's measure of what apps get: the packed tarball installed into a scratch app (with its peers
// from the registry), each app entry bundled by esbuild and by Vite as an app's production build with
// code splitting and the peers external; initial gzip bytes (the entry and every chunk it imports
// statically, each gzipped as served) and the bytes loaded on demand.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build as esbuild } from 'esbuild';
import { build as viteBuild, type Rollup } from 'vite';

const root = resolve(import.meta.dirname, '..');
const PEERS = ['react', 'react-dom', '@tanstack/react-query', 'zustand'];
const isPeer = (id: string) => PEERS.some((peer) => id === peer || id.startsWith(`${peer}/`));

/** The apps measured, as an app imports the package (the same programs as the source measure). */
export const INSTALLED_APPS: Record<string, string> = {
  'typical app import': `export { PresenceProvider, useUser, useCurrentUser, useUserPresence, useOnlineUsers, useOnStatusUpdate, useConnectionState } from 'presence-kit';
export { OnlineBadge, UserAvatar, OnlineList } from 'presence-kit/components';
`,
  'provider + UserAvatar': `export { PresenceProvider } from 'presence-kit';
export { UserAvatar } from 'presence-kit/components';
`,
  'minimal core': `import { createPresenceCore } from 'presence-kit/core';
const client = createPresenceCore({ url: location.origin, token: () => fetch('/token').then((r) => r.text()) });
client.connect();
client.retainUser('ada');
client.store.userStore('ada').subscribe((entry) => console.log(entry.presence?.status));
`,
  'typical app + rooms': `export { PresenceProvider, useUser, useCurrentUser, useUserPresence, useOnlineUsers, useOnStatusUpdate, useConnectionState, RoomProvider, useOthers, useMyPresence } from 'presence-kit';
export { OnlineBadge, UserAvatar, OnlineList, RoomAvatars, TypingIndicator } from 'presence-kit/components';
`,
  'typical app + UserCard and MyStatus': `export { PresenceProvider, useUser, useCurrentUser, useUserPresence, useOnlineUsers, useOnStatusUpdate, useConnectionState } from 'presence-kit';
export { OnlineBadge, UserAvatar, OnlineList, UserCard, UserCardPopover, MyStatus } from 'presence-kit/components';
`,
  'typical app + PresenceDevtools (production)': `export { PresenceProvider, useUser, useCurrentUser, useUserPresence, useOnlineUsers, useOnStatusUpdate, useConnectionState } from 'presence-kit';
export { OnlineBadge, UserAvatar, OnlineList } from 'presence-kit/components';
export { PresenceDevtools } from 'presence-kit/devtools';
`,
};

/** Optional features: what each adds to the typical app, as apps that use it get it. */
export const FEATURES: Record<string, string> = {
  rooms: 'typical app + rooms',
  'UserCard, UserCardPopover and MyStatus': 'typical app + UserCard and MyStatus',
  'PresenceDevtools (production build)': 'typical app + PresenceDevtools (production)',
};

export interface InstalledSize {
  initial: number;
  lazy: number;
}

/** Gzip of each file, and which are initial from `entry` (static imports) or reachable on demand. */
function sum(files: Map<string, { bytes: Uint8Array; imports: string[]; dynamic: string[] }>, entry: string): InstalledSize {
  const initial = new Set<string>();
  const visit = (name: string) => {
    if (initial.has(name) || !files.has(name)) return;
    initial.add(name);
    for (const next of files.get(name)!.imports) visit(next);
  };
  visit(entry);
  const reachable = new Set<string>();
  const reach = (name: string) => {
    const file = files.get(name);
    if (!file) return;
    for (const next of [...file.imports, ...file.dynamic]) {
      if (initial.has(next) || reachable.has(next)) continue;
      reachable.add(next);
      reach(next);
    }
  };
  for (const name of initial) reach(name);
  const gzip = (name: string) => gzipSync(files.get(name)!.bytes, { level: 9 }).byteLength;
  return { initial: [...initial].reduce((total, name) => total + gzip(name), 0), lazy: [...reachable].reduce((total, name) => total + gzip(name), 0) };
}

async function withEsbuild(app: string, file: string): Promise<InstalledSize> {
  const result = await esbuild({
    entryPoints: [file],
    absWorkingDir: app,
    bundle: true,
    splitting: true,
    outdir: join(app, 'out-esbuild'),
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    external: PEERS.flatMap((peer) => [peer, `${peer}/*`]),
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const outputs = result.metafile.outputs;
  const files = new Map<string, { bytes: Uint8Array; imports: string[]; dynamic: string[] }>();
  for (const output of result.outputFiles) {
    const name = Object.keys(outputs).find((key) => output.path.endsWith(key.replace(/^.*?out-esbuild\//, '/')))!;
    const imports = outputs[name]!.imports.filter((imported) => !imported.external);
    files.set(name, {
      bytes: output.contents,
      imports: imports.filter((imported) => imported.kind === 'import-statement').map((imported) => imported.path),
      dynamic: imports.filter((imported) => imported.kind === 'dynamic-import').map((imported) => imported.path),
    });
  }
  return sum(
    files,
    Object.keys(outputs).find((key) => outputs[key]!.entryPoint !== undefined)!,
  );
}

async function withVite(app: string, file: string): Promise<InstalledSize> {
  const result = (await viteBuild({
    root: app,
    configFile: false,
    logLevel: 'silent',
    mode: 'production',
    define: { 'process.env.NODE_ENV': '"production"' },
    build: {
      write: false,
      minify: true,
      modulePreload: false,
      rolldownOptions: {
        input: { app: file },
        external: isPeer,
        // An app's entry keeps what it exports (an app's real entry renders; this one exports what it uses).
        preserveEntrySignatures: 'exports-only',
      },
    },
  })) as Rollup.RollupOutput | Rollup.RollupOutput[];
  const output = (Array.isArray(result) ? result : [result]).flatMap((each) => each.output);
  const files = new Map<string, { bytes: Uint8Array; imports: string[]; dynamic: string[] }>();
  let entry = '';
  for (const chunk of output) {
    if (chunk.type !== 'chunk') continue;
    if (chunk.isEntry) entry = chunk.fileName;
    files.set(chunk.fileName, { bytes: Buffer.from(chunk.code), imports: chunk.imports.filter((id) => !isPeer(id)), dynamic: chunk.dynamicImports });
  }
  return sum(files, entry);
}

/**
 * Packs the package, installs it into a scratch app and measures each of {@link INSTALLED_APPS} with
 * esbuild and Vite. Needs the npm registry (for the peers), as `npm run check:consumers` does.
 *
 * @example
 * ```ts
 * const sizes = await measureInstalled();
 * console.log(sizes.get('minimal core')); // { esbuild: {...}, vite: {...} }
 * ```
 */
export async function measureInstalled(): Promise<Map<string, { esbuild: InstalledSize; vite: InstalledSize }>> {
  const dir = mkdtempSync(join(tmpdir(), 'presence-size-installed-'));
  try {
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      version: string;
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const locked = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
    execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    const app = join(dir, 'app');
    mkdirSync(app);
    const dev = manifest.devDependencies;
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({
        name: 'size-app',
        private: true,
        type: 'module',
        dependencies: {
          'presence-kit': `file:${join(dir, `presence-kit-${manifest.version}.tgz`)}`,
          ...Object.fromEntries(PEERS.map((peer) => [peer, dev[peer]!])),
        },
        // The package's own dependencies at the versions this repository locks (partysocket takes a range,
        // as a published library's should): the gate then moves only when the lockfile does.
        overrides: Object.fromEntries(Object.keys(manifest.dependencies).map((name) => [name, locked.packages[`node_modules/${name}`]!.version])),
      }),
    );
    execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund'], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });
    const sizes = new Map<string, { esbuild: InstalledSize; vite: InstalledSize }>();
    for (const [name, code] of Object.entries(INSTALLED_APPS)) {
      const file = join(app, `${name.replace(/\W+/g, '-')}.js`);
      writeFileSync(file, code);
      sizes.set(name, { esbuild: await withEsbuild(app, file), vite: await withVite(app, file) });
    }
    return sizes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
