/**
 * The presence server and the protocol's schemas, imported from `presence-kit/server`.
 *
 * @packageDocumentation
 * @module presence-kit/server
 */
export { createPresenceServer } from './server.ts';
export type { PresenceServer, PresenceServerControls, PresenceServerOptions } from './server.ts';
export type { HubLimits } from './hub.ts';
export type { AudienceRule } from './visibility.ts';
export { createMemoryStore } from './store.ts';
export type { PresenceStore, StoredAvatar, StoredSession } from './store.ts';
export { roomAccess, RoomPermissionsSchema } from './room-access.ts';
export type { RoomPermissions } from './room-access.ts';
export { SIMULATED_ROOMS, simulateUsers } from './simulation.ts';
export type { SimulationOptions } from './simulation.ts';
// The protocol's schemas (valibot) and helpers, for servers and tools that validate or produce frames:
// the client entries export only its types, codes and limits.
export * from '../core/protocol/admin.ts';
export * from '../core/protocol/client-messages.ts';
export * from '../core/protocol/codes.ts';
export * from '../core/protocol/json.ts';
export * from '../core/protocol/limits.ts';
export * from '../core/protocol/messages.ts';
export * from '../core/protocol/model.ts';
export * from '../core/protocol/rooms.ts';
export * from '../core/protocol/update-me.ts';
export * from '../core/protocol/user-pages.ts';
export { parseWith, type ParseResult } from '../core/protocol/parse.ts';
export * from '../core/protocol/text.ts';
