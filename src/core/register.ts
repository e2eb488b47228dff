import type { JsonValue, Presence, PresencePatch, UpdateMeInput, User, UserView } from './protocol/index.ts';

/**
 * Declare your app's types here, as TanStack Query's `Register` does: the hooks and the client then
 * read and write `presence.custom` and `user.metadata` typed as you declared (`declare module
 * 'presence-kit/core'` works the same for apps without React).
 *
 * @example
 * ```ts
 * declare module 'presence-kit' {
 *   interface Register {
 *     customStatus: { activity: 'coding' | 'meeting'; ticket?: string };
 *     userMetadata: { plan: 'free' | 'pro' };
 *     roomPresence: { cursor: { x: number; y: number } | null };
 *     roomEvent: { type: 'reaction'; emoji: string };
 *   }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Register {}

/** The registered type of `presence.custom`, or any JSON. @example `const c: CustomStatus = presence.custom!;` */
export type CustomStatus = Register extends { customStatus: infer T } ? T : JsonValue;
/** The registered type of `user.metadata`, or a JSON object. @example `const m: UserMetadata = user.metadata;` */
export type UserMetadata = Register extends { userMetadata: infer T } ? T : Record<string, JsonValue>;

/**
 * The registered type of a connection's room presence (shallow-merged by `updatePresence`), or a JSON object.
 *
 * @example
 * ```ts
 * declare module 'presence-kit' {
 *   interface Register {
 *     roomPresence: { cursor: { x: number; y: number } | null; typing?: boolean };
 *   }
 * }
 * ```
 */
export type RoomPresence = Register extends { roomPresence: infer T } ? T : Record<string, JsonValue>;
/** The registered type of a room broadcast event, or any JSON. @example `room.broadcast({ type: 'reaction', emoji: '🎉' })` */
export type RoomEvent = Register extends { roomEvent: infer T } ? T : JsonValue;

/** Presence with the app's custom status type. @example `presence.custom?.activity` */
export type AppPresence = Omit<Presence, 'custom'> & { custom: CustomStatus | null };
/** A profile with the app's metadata type. @example `profile.metadata.plan` */
export type AppUser = Omit<User, 'metadata'> & { metadata: UserMetadata };
/** A user as the viewer sees them, with the app's types. @example `user.presence?.custom` */
export type AppUserView = Omit<UserView, 'metadata' | 'presence'> & { metadata: UserMetadata; presence: AppPresence | null };
/** A status change with the app's custom status type. @example `client.setStatus({ custom: { activity: 'coding' } })` */
export type AppPresencePatch = Omit<PresencePatch, 'custom'> & { custom?: CustomStatus | null };
/** A profile change with the app's metadata type. @example `updateCurrentUser(client, { metadata: { plan: 'pro' } })` */
export type AppUpdateMeInput = Omit<UpdateMeInput, 'metadata'> & { metadata?: UserMetadata };
