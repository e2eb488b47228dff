// Checks the built package as a consumer sees it: every export resolves at run time, and its
// declarations type-check with skipLibCheck off under both "bundler" and "nodenext" resolution.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'presence-kit-consumer-'));
try {
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'presence-kit'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(
    join(dir, 'consumer.tsx'),
    `import { createPresenceClient, PresenceError, PresenceProvider, useUserPresence, type PresenceClient } from 'presence-kit';
import { createPresenceClient as fromCore, CLOSE_CODES } from 'presence-kit/core';
import { createPresenceServer, createMemoryStore } from 'presence-kit/server';
import { startTestServer } from 'presence-kit/testing';
const client: PresenceClient = fromCore({ url: 'http://127.0.0.1:1' });
void client.setStatus({ status: 'busy', custom: { emoji: '🎯' } }).catch(() => {});
// @ts-expect-error: writes are typed by the registered custom status too
void client.setStatus({ custom: { mood: 'focused' } }).catch(() => {});
declare module 'presence-kit' {
  interface Register { customStatus: { emoji: string } }
}
export function Row({ id }: { id: string }) {
  const emoji: string | undefined = useUserPresence(id, (presence) => presence?.custom?.emoji);
  return emoji;
}
export const all = [createPresenceClient, PresenceError, PresenceProvider, CLOSE_CODES, createPresenceServer, createMemoryStore, startTestServer];
`,
  );
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const [module, resolution] of [
    ['esnext', 'bundler'],
    ['nodenext', 'nodenext'],
  ]) {
    execFileSync(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        'false',
        '--module',
        module,
        '--moduleResolution',
        resolution,
        '--target',
        'es2022',
        '--jsx',
        'react-jsx',
        '--types',
        'node',
        '--typeRoots',
        join(root, 'node_modules', '@types'),
        join(dir, 'consumer.tsx'),
      ],
      { stdio: 'inherit', cwd: dir },
    );
    console.log(`types ok (${resolution})`);
  }
  writeFileSync(
    join(dir, 'run.mjs'),
    `
const entries = ['presence-kit', 'presence-kit/core', 'presence-kit/components', 'presence-kit/devtools', 'presence-kit/server', 'presence-kit/testing', 'presence-kit/testing/browser'];
for (const entry of entries) {
  const module = await import(entry);
  if (Object.keys(module).length === 0) throw new Error(entry + ' exports nothing');
}
const { createPresenceServer } = await import('presence-kit/server');
const server = await createPresenceServer({ port: 0 });
const response = await fetch(server.httpUrl + '/api/v1/health');
if (!response.ok) throw new Error('health check failed');
await server.close();
console.log('runtime ok: ' + entries.join(', '));
`,
  );
  execFileSync(process.execPath, [join(dir, 'run.mjs')], { stdio: 'inherit', cwd: dir });
  // React Server Components need the client directive on the hooks entry, and never on the server's.
  const { readFileSync } = await import('node:fs');
  for (const entry of ['index.js', 'components.js', 'devtools.js']) {
    if (!readFileSync(join(root, 'dist', entry), 'utf8').startsWith('"use client";')) throw new Error(`dist/${entry} lacks "use client"`);
  }
  if (!readFileSync(join(root, 'dist', 'styles.css'), 'utf8').includes('.pk-avatar')) throw new Error('dist/styles.css is missing');
  if (!readFileSync(join(root, 'dist', 'dark.css'), 'utf8').includes('prefers-color-scheme')) throw new Error('dist/dark.css is missing');
  if (readFileSync(join(root, 'dist', 'server.js'), 'utf8').includes('use client')) throw new Error('dist/server.js must not be a client module');
  console.log('directives ok');
  // Every export has a `default` condition, and no declaration imports a `.ts` file (nodenext rejects it).
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  for (const [entry, conditions] of Object.entries(manifest.exports)) {
    if (typeof conditions === 'object' && !conditions.default) throw new Error(`exports["${entry}"] has no default condition`);
  }
  const { readdirSync } = await import('node:fs');
  for (const file of readdirSync(join(root, 'dist', 'types'), { recursive: true })) {
    if (String(file).endsWith('.d.ts') && /from '\.{1,2}\/[^']+\.tsx?'/.test(readFileSync(join(root, 'dist', 'types', String(file)), 'utf8'))) {
      throw new Error(`dist/types/${file} imports a .ts file`);
    }
  }
  console.log('exports and declarations ok');

  // What an install of the packed tarball pulls in (a dry run against the registry): a browser app gets
  // no server dependency, and a server gets no React (server packages and React are optional peers; the
  // virtualizer, whose React peer is required, is bundled into OnlineList's on-demand chunk).
  execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = join(dir, `presence-kit-${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}.tgz`);
  const planned = (extra) => {
    const app = mkdtempSync(join(dir, 'app-'));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    const out = execFileSync('npm', ['install', '--dry-run', '--no-audit', '--no-fund', tarball, ...extra], {
      cwd: app,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out
      .split('\n')
      .filter((line) => line.startsWith('add '))
      .map((line) => line.split(' ')[1]);
  };
  const SERVER = /^(fastify|@fastify\/|ws$|@redis\/|valibot$)/;
  const browser = planned(['react@19', 'react-dom@19', '@tanstack/react-query@5', 'zustand@5']);
  if (browser.some((name) => SERVER.test(name)))
    throw new Error(`a browser app would install server packages: ${browser.filter((name) => SERVER.test(name)).join(', ')}`);
  const server = planned(['fastify@5', '@fastify/websocket@11', '@fastify/rate-limit@11', '@fastify/cors@11', 'ws@8', 'valibot@1', 'zustand@5']);
  const react = server.filter((name) => /^(react|react-dom|@tanstack\/react-)/.test(name));
  if (react.length) throw new Error(`a server install would pull React: ${react.join(', ')}`);
  console.log(`install ok: a browser app adds ${browser.length} packages, none of the server's; a server install adds ${server.length}, no React`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
