import { storybookTest } from '@storybook/addon-vitest/vitest-plugin';
import { playwright } from '@vitest/browser-playwright';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

const CLIENT_ENTRIES = new Set(['index', 'components', 'devtools']);

const isBareImport = (id: string) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0');

/** Debian's Chromium (apt-get install chromium); no browser download works on our machines. */
export const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

export default defineConfig({
  build: {
    target: 'es2022',
    sourcemap: true,
    minify: false,
    lib: {
      entry: {
        index: 'src/index.ts',
        core: 'src/core/index.ts',
        components: 'src/components/index.ts',
        devtools: 'src/devtools/index.ts',
        server: 'src/server/index.ts',
        testing: 'src/testing/index.ts',
        'testing-browser': 'src/testing/browser.ts',
        'server/cli': 'src/server/cli.ts',
      },
      formats: ['es'],
    },
    rolldownOptions: {
      // A library bundles only its own code; dependencies and peers resolve in the app. The exception is
      // the virtualizer, bundled into OnlineList's on-demand chunk: as a dependency its required React
      // peer would reach a server-only install.
      external: (id) => (isBareImport(id) && !id.startsWith('@tanstack/react-virtual') && !id.startsWith('@tanstack/virtual-core')) || id.startsWith('node:'),
      output: {
        // One output module per source module: an app's bundler then drops what the app does not use,
        // as it would from the sources (merged chunks kept nearly everything: issue 23).
        preserveModules: true,
        preserveModulesRoot: 'src',
        // The virtualizer, bundled, under vendor/: a node_modules folder inside a package is one that some
        // package managers and tools skip.
        entryFileNames: (chunk) => `${chunk.name.replace(/(^|\/)node_modules\//g, '$1vendor/')}.js`,
        // Hooks and components run on the client: React Server Components need the directive on
        // the entries a server component imports.
        banner: (chunk) => (chunk.isEntry && CLIENT_ENTRIES.has(chunk.name) ? "'use client';" : ''),
      },
    },
  },
  test: {
    testTimeout: 15_000,
    hookTimeout: 15_000,
    restoreMocks: true,
    projects: [
      {
        extends: true,
        // Examples import the package by name, as an app does: here that is the source.
        resolve: {
          alias: [
            { find: /^presence-kit$/, replacement: resolve(import.meta.dirname, 'src/index.ts') },
            { find: /^presence-kit\/styles\.css$/, replacement: resolve(import.meta.dirname, 'src/components/styles.css') },
            { find: /^presence-kit\/(core|components|devtools|server|testing)$/, replacement: resolve(import.meta.dirname, 'src/$1/index.ts') },
          ],
        },
        test: {
          name: 'unit',
          include: ['test/**/*.test.{ts,tsx}'],
          exclude: ['test/e2e/**', 'test/cluster/**'],
          environment: 'node',
          // Type tests (*.test-d.tsx) run with the suite: tsc checks them, and a wrong type fails the run.
          typecheck: { enabled: true, include: ['test/**/*.test-d.{ts,tsx}'], tsconfig: './tsconfig.json' },
        },
      },
      {
        extends: true,
        plugins: [storybookTest({ configDir: '.storybook', tags: { exclude: ['!test'] } })],
        test: {
          name: 'storybook',
          setupFiles: ['.storybook/vitest.setup.ts'],
          // The addon applies the catalog's preview (decorators, a11y parameters) to every story itself.
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({ launchOptions: chromium }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
      {
        extends: true,
        test: {
          // N server nodes over a private redis-server (Debian's): its own project, run by .ci/run.
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
