// Two consumer projects installed from the packed tarball, as an app team would set them up: React 19
// with jsdom and the current TypeScript, React 18 with happy-dom and the oldest TypeScript we support.
// Each type-checks an app file (strict, skipLibCheck off) and runs a Vitest test of a live component
// against the kit's test server. Needs the npm registry; `npm run check:consumers` (run by .ci/run).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dev = manifest.devDependencies;
/** The oldest TypeScript the published declarations support (README, "Requirements"): 5.0 fails, on
 * TanStack Query's NoInfer among others. */
export const MIN_TYPESCRIPT = '5.4.5';

const PROJECTS = [
  {
    name: 'react-19-jsdom',
    react: '19.3.1',
    types: { react: '19.3.0', dom: '19.3.0' },
    environment: 'jsdom',
    dom: { jsdom: dev.jsdom },
    typescript: dev.typescript,
  },
  {
    name: 'react-18-happy-dom',
    react: '18.3.1',
    types: { react: '18.3.31', dom: '18.3.7' },
    environment: 'happy-dom',
    dom: { 'happy-dom': dev['happy-dom'] },
    typescript: MIN_TYPESCRIPT,
  },
];

const APP = `import { useState } from 'react';
import { WebSocket as NodeWebSocket } from 'ws';
import { PresenceProvider, createPresenceClient, useCurrentUser, useUserPresence, type PresenceCore } from 'presence-kit';
import { OnlineBadge, OnlineList, UserAvatar } from 'presence-kit/components';

declare module 'presence-kit' {
  interface Register {
    customStatus: { emoji: string };
  }
}

export function Mood({ userId }: { userId: string }) {
  const emoji = useUserPresence(userId, (presence) => presence?.custom?.emoji);
  const { setStatus } = useCurrentUser();
  const [busy, setBusy] = useState(false);
  return (
    <button type="button" disabled={busy} onClick={() => { setBusy(true); void setStatus({ custom: { emoji: '🎧' } }).finally(() => setBusy(false)); }}>
      {emoji ?? 'no mood'}
    </button>
  );
}

// The README's Node client: ws's class and the DOM's are both WebSocketLike, with no cast.
export const nodeClient = (url: string, token: string) => createPresenceClient({ url, token, WebSocket: NodeWebSocket });
export const browserClient = (url: string, token: string) => createPresenceClient({ url, token, WebSocket: globalThis.WebSocket });

export function App({ client }: { client: PresenceCore }) {
  return (
    <PresenceProvider client={client}>
      <UserAvatar userId="grace" />
      <OnlineBadge userId="grace" showLabel />
      <Mood userId="grace" />
      <OnlineList hideCurrentUser showOffline={false} />
    </PresenceProvider>
  );
}
`;

const TEST = (environment) => `/** @vitest-environment ${environment} */
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, expect, test } from 'vitest';
import { startTestServer, type TestServer } from 'presence-kit/testing';
import { App } from './app';

let server: TestServer | undefined;
afterEach(async () => {
  cleanup();
  await server?.close();
});

test('a live badge, a registered custom status and the online list, against the test server', async () => {
  server = await startTestServer({ users: ['ada', { id: 'grace', username: 'grace', displayName: 'Grace Hopper' }] });
  const grace = server.clientFor('grace');
  grace.connect();
  render(<App client={server.clientFor('ada')} />);
  expect(await screen.findByRole('option', { name: /Grace Hopper/ })).toBeTruthy();
  // The badge's label (the list's section headings say the same words).
  await waitFor(() => expect(screen.getByText('Online', { selector: '.pk-badge-label' })).toBeTruthy());
  await grace.setStatus({ status: 'busy', custom: { emoji: '🚀' } });
  await waitFor(() => expect(screen.getByText('Busy', { selector: '.pk-badge-label' })).toBeTruthy());
  expect(await screen.findByText('🚀')).toBeTruthy();
});
`;

const run = (command, args, cwd) => execFileSync(command, args, { cwd, stdio: 'inherit' });
const dir = mkdtempSync(join(tmpdir(), 'presence-kit-consumers-'));
try {
  run('npm', ['pack', '--silent', '--pack-destination', dir], root);
  const tarball = join(dir, `presence-kit-${manifest.version}.tgz`);
  for (const project of PROJECTS) {
    const app = join(dir, project.name);
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({
        name: project.name,
        private: true,
        type: 'module',
        dependencies: {
          'presence-kit': `file:${tarball}`,
          react: project.react,
          'react-dom': project.react,
          '@tanstack/react-query': dev['@tanstack/react-query'],
          zustand: dev.zustand,
        },
        devDependencies: {
          '@types/react': project.types.react,
          '@types/react-dom': project.types.dom,
          '@types/node': dev['@types/node'],
          '@types/ws': dev['@types/ws'],
          '@testing-library/react': dev['@testing-library/react'],
          '@testing-library/dom': dev['@testing-library/dom'],
          typescript: project.typescript,
          vitest: dev.vitest,
          // The server side of the test helpers: optional peers of presence-kit.
          fastify: dev.fastify,
          '@fastify/websocket': dev['@fastify/websocket'],
          '@fastify/rate-limit': dev['@fastify/rate-limit'],
          '@fastify/cors': dev['@fastify/cors'],
          ws: dev.ws,
          valibot: dev.valibot,
          ...project.dom,
        },
      }),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'esnext',
          moduleResolution: 'bundler',
          jsx: 'react-jsx',
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
        },
        include: ['app.tsx'],
      }),
    );
    writeFileSync(join(app, 'app.tsx'), APP);
    writeFileSync(join(app, 'app.test.tsx'), TEST(project.environment));
    console.log(`== ${project.name}: install (React ${project.react}, TypeScript ${project.typescript}, ${project.environment})`);
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], app);
    run(process.execPath, [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], app);
    console.log(`${project.name}: types ok`);
    run(process.execPath, [join(app, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=dot'], app);
    console.log(`${project.name}: test ok`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
