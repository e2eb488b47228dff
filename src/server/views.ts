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
  /**
   * What every signed-in viewer (and, apart, every guest) sees of a user they may see, as JSON, kept while
   * the values it is built from are the same objects (the store and the records replace values rather
   * than change them): a snapshot of the online list joins strings instead of building and serializing a
   * view per user per request.
   */
  private readonly publicJson = new WeakMap<User, { frozen: User | undefined; published: Presence; member?: string; guest?: string }>();

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

  /**
   * {@link viewOf} as JSON, from the cache above when the viewer sees the user's public view.
   *
   * @example
   * ```ts
   * const parts = ids.map((id) => views.viewJson(store.getUser(id)!, 'grace'));
   * ```
   */
  viewJson(user: User, viewerId: string | null): string {
    if (viewerId === null || visibility(this.store, viewerId, user.id) !== 'public') return JSON.stringify(this.viewOf(user, viewerId));
    const record = this.record(user.id);
    let cached = this.publicJson.get(user);
    if (!cached || cached.frozen !== record.frozenProfile || cached.published !== record.published) {
      this.publicJson.set(user, (cached = { frozen: record.frozenProfile, published: record.published }));
    }
    const variant = this.store.getUser(viewerId)?.isGuest ? 'guest' : 'member';
    return (cached[variant] ??= JSON.stringify(this.viewOf(user, viewerId)));
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
