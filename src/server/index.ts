export { createPresenceServer } from './server.ts';
export type { PresenceServer, PresenceServerControls, PresenceServerOptions } from './server.ts';
export type { HubLimits } from './hub.ts';
export { createMemoryStore } from './store.ts';
export type { PresenceStore, StoredAvatar, StoredSession } from './store.ts';
export { simulateUsers } from './simulation.ts';
export type { SimulationOptions } from './simulation.ts';
// What a server validates and a client never needs: the client frames and the admin inputs.
export * from '../core/protocol/admin.ts';
export * from '../core/protocol/client-messages.ts';
