import { defineConfig } from 'vitest/config';

const CLIENT_ENTRIES = new Set(['index']);

const isBareImport = (id: string) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0');

export default defineConfig({
  build: {
    target: 'es2022',
    sourcemap: true,
    minify: false,
    lib: {
      entry: {
        index: 'src/index.ts',
        core: 'src/core/index.ts',
        server: 'src/server/index.ts',
        testing: 'src/testing/index.ts',
        'server/cli': 'src/server/cli.ts',
      },
      formats: ['es'],
    },
    rolldownOptions: {
      // A library bundles only its own code; dependencies and peers resolve in the app.
      external: (id) => isBareImport(id) || id.startsWith('node:'),
      output: {
        // Hooks and components run on the client: React Server Components need the directive on
        // the entry a server component imports.
        banner: (chunk) => (chunk.isEntry && CLIENT_ENTRIES.has(chunk.name) ? "'use client';" : ''),
      },
    },
  },
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    environment: 'node',
    testTimeout: 15_000,
    hookTimeout: 15_000,
    restoreMocks: true,
    // Type tests (*.test-d.tsx) run with the suite: tsc checks them, and a wrong type fails the run.
    typecheck: { enabled: true, include: ['test/**/*.test-d.{ts,tsx}'], tsconfig: './tsconfig.json' },
  },
});
