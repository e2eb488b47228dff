import type { PresenceStore } from './store.ts';

/**
 * What one viewer may see of one user: `self` (their own view, which may say 'invisible'), `public`
 * (the presence everyone else sees) or `hidden` (either blocked the other: no presence, no events).
 */
export type Visibility = 'self' | 'public' | 'hidden';

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
  return store.isBlocked(viewerId, subjectId) || store.isBlocked(subjectId, viewerId) ? 'hidden' : 'public';
}

/**
 * The same rule from the subject's side, for fan-out: everyone to whom `subjectId` is `hidden`.
 *
 * @example
 * ```ts
 * const hidden = hiddenFrom(store, 'ada');
 * for (const viewer of audience) if (!hidden.has(viewer)) send(viewer);
 * ```
 */
export function hiddenFrom(store: PresenceStore, subjectId: string): ReadonlySet<string> {
  return store.blockPartners(subjectId);
}
