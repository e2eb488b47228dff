import type { Presence, User, UserView } from '../core/protocol/index.ts';
import { ownPresence, type PresenceRecord } from './presence-state.ts';
import type { PresenceStore } from './store.ts';
import { visibility } from './visibility.ts';

const NO_METADATA: Record<string, never> = Object.freeze({});

/**
 * What one viewer sees of a user: the profile (as it was, while the user is invisible), the presence
 * the viewer may see (none across a block, the user's own state for the user), the relation between them,
 * and no application metadata for a guest looking at someone else.
 *
 * @example
 * ```ts
 * const views = new Views(store, (id) => state.record(id));
 * views.viewOf(ada, 'grace'); // { ...ada, presence, blockedByMe: false, hasBlockedMe: false }
 * ```
 */
export class Views {
  constructor(
    private readonly store: PresenceStore,
    /** The user's presence record (made when missing). */
    private readonly record: (userId: string) => PresenceRecord,
    /** The user's record if there is one. */
    private readonly existing: (userId: string) => PresenceRecord | undefined,
  ) {}

  /**
   * The profile `viewerId` sees of `user` (what {@link viewOf} puts in a view) without building the view:
   * a directory search filters on it first, so a query that matches nobody costs a string test per user.
   */
  profileFor(user: User, viewerId: string | null): User {
    const frozen = this.existing(user.id)?.frozenProfile;
    if (!frozen || viewerId === null) return user;
    return visibility(this.store, viewerId, user.id) === 'public' ? frozen : user;
  }

  /** `viewer` null: an admin, who sees everyone's public presence and no relation. */
  viewOf(user: User, viewerId: string | null): UserView {
    const { store } = this;
    const seen = visibility(store, viewerId, user.id);
    const record = this.record(user.id);
    // Others see an invisible user's profile as it was; the user and the admin key see what is stored.
    const profile = seen === 'public' && viewerId !== null && record.frozenProfile ? record.frozenProfile : user;
    const presence: Presence | null = seen === 'hidden' ? null : seen === 'self' ? ownPresence(record) : record.published;
    const blockedByMe = seen === 'hidden' && store.isBlocked(viewerId!, user.id);
    const hasBlockedMe = seen === 'hidden' && store.isBlocked(user.id, viewerId!);
    // Application data is for signed-in people: an anonymous guest sees everyone else's as empty.
    const metadata = viewerId !== null && viewerId !== user.id && store.getUser(viewerId)?.isGuest ? NO_METADATA : profile.metadata;
    return { ...profile, metadata, presence, blockedByMe, hasBlockedMe };
  }
}
