import type { PresenceStore } from './store.ts';

/**
 * What one viewer may see of one user: `self` (their own view, which may say 'invisible'), `public`
 * (the presence everyone else sees) or `hidden` (no presence, no presence events: a block either way,
 * or, with the `shared-rooms` audience, no room membership in common).
 */
export type Visibility = 'self' | 'public' | 'hidden';

/**
 * Whose global presence a user sees: `everyone` (but blocks), or only users sharing at least one
 * persistent room membership with them (`shared-rooms`, ChatKitty's rule).
 */
export type AudienceRule = 'everyone' | 'shared-rooms';

const rules = new WeakMap<PresenceStore, AudienceRule>();

/**
 * Sets the audience rule for everything the server reads from `store` (done once, by the server).
 *
 * @example
 * ```ts
 * setAudienceRule(store, 'shared-rooms');
 * ```
 */
export function setAudienceRule(store: PresenceStore, rule: AudienceRule): void {
  rules.set(store, rule);
}

/**
 * The audience rule `store` is served under (default `everyone`).
 *
 * @example
 * ```ts
 * if (audienceRule(store) === 'shared-rooms') tellCoMembers();
 * ```
 */
export function audienceRule(store: PresenceStore): AudienceRule {
  return rules.get(store) ?? 'everyone';
}

/**
 * Whether two users share a persistent room membership (a user shares everything with themselves).
 *
 * @example
 * ```ts
 * sharesRoom(store, 'ada', 'grace');
 * ```
 */
export function sharesRoom(store: PresenceStore, a: string, b: string): boolean {
  if (a === b) return true;
  const mine = store.membershipsOf(a);
  const theirs = store.membershipsOf(b);
  const [small, large] = mine.size <= theirs.size ? [mine, theirs] : [theirs, mine];
  for (const room of small) if (large.has(room)) return true;
  return false;
}

/**
 * The one rule every path (REST, snapshot, delta, live) asks. `viewerId` null is the admin key, which
 * sees everyone's public presence.
 *
 * @example
 * ```ts
 * if (visibility(store, viewer, user.id) === 'hidden') continue;
 * ```
 */
export function visibility(store: PresenceStore, viewerId: string | null, subjectId: string): Visibility {
  if (viewerId === null) return 'public';
  if (viewerId === subjectId) return 'self';
  if (store.isBlocked(viewerId, subjectId) || store.isBlocked(subjectId, viewerId)) return 'hidden';
  return audienceRule(store) === 'shared-rooms' && !sharesRoom(store, viewerId, subjectId) ? 'hidden' : 'public';
}

/**
 * The same rule from the subject's side, for fan-out: whether `subjectId` is `hidden` from a viewer.
 * Built once per change: with `shared-rooms`, from the members of the subject's rooms.
 *
 * @example
 * ```ts
 * const hidden = hiddenFrom(store, 'ada');
 * for (const viewer of audience) if (!hidden.has(viewer)) send(viewer);
 * ```
 */
export function hiddenFrom(store: PresenceStore, subjectId: string): { has(viewerId: string): boolean } {
  const blocked = store.blockPartners(subjectId);
  if (audienceRule(store) === 'everyone') return blocked;
  const coMembers = new Set<string>([subjectId]);
  for (const room of store.membershipsOf(subjectId)) for (const id of store.roomMembers(room)) coMembers.add(id);
  return { has: (viewerId) => blocked.has(viewerId) || !coMembers.has(viewerId) };
}
