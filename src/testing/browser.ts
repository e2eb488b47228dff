/**
 * Test helpers that run in a browser: a real client wired to an in-memory fake server.
 *
 * @packageDocumentation
 * @module presence-kit/testing/browser
 */
// The browser-safe part of the testing utilities: no server, no Node modules.
export { createMockPresence } from './mock.ts';
export type { MockPresenceControls, MockPresenceOptions } from './mock.ts';
export { makePresence, makeUserView } from './fixtures.ts';
export { createPresenceWrapper } from './react.tsx';
