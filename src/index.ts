// The React layer (PresenceProvider and hooks) is exported from here; until it lands, the root entry
// re-exports the framework-free client so `import { createPresenceClient } from 'presence-kit'` works.
export * from './core/index.ts';
