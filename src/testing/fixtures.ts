import type { Presence, PresenceStatus, UserView } from '../core/protocol/index.ts';

const EPOCH = '2026-01-01T00:00:00.000Z';

/**
 * A presence value for tests and stories; `online` follows the status unless given.
 *
 * @example
 * ```ts
 * makePresence('away', { statusMessage: 'Lunch' });
 * ```
 */
export function makePresence(status: PresenceStatus = 'online', overrides: Partial<Presence> = {}): Presence {
  return {
    online: status !== 'offline',
    status,
    statusMessage: null,
    statusEmoji: null,
    statusExpiresAt: null,
    custom: null,
    callStatus: 'available',
    lastOnline: null,
    utcOffset: null,
    updatedAt: EPOCH,
    ...overrides,
  };
}

/**
 * A complete user view for tests and stories: deterministic timestamps, username and display name from the id.
 *
 * @example
 * ```ts
 * makeUserView('ada', { displayName: 'Ada Lovelace', presence: makePresence('busy') });
 * ```
 */
export function makeUserView(id: string, overrides: Partial<UserView> = {}): UserView {
  return {
    id,
    username: id,
    displayName: id,
    avatarUrl: null,
    role: 'default',
    kind: 'person',
    isGuest: false,
    tags: [],
    metadata: {},
    profileUrl: null,
    createdAt: EPOCH,
    updatedAt: EPOCH,
    blockedAt: null,
    presence: makePresence('online'),
    blockedByMe: false,
    hasBlockedMe: false,
    ...overrides,
  };
}
