// The browser-safe part of the testing utilities: no server, no Node modules.
export { createMockPresence } from './mock.ts';
export type { MockPresenceControls, MockPresenceOptions } from './mock.ts';
export { makePresence, makeUserView } from './fixtures.ts';
export { createPresenceWrapper } from './react.tsx';
