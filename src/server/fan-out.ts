import type { Presence, ServerMessage, User } from '../core/protocol/index.ts';
import type { Audience } from './audience.ts';
import type { Outbox } from './outbox.ts';
import type { PresenceStore } from './store.ts';
import type { Views } from './views.ts';
import { hiddenFrom } from './visibility.ts';

/**
 * Turns an applied change into frames for this node's connections: one frame for everyone allowed to see
 * it, built once, another for the owner; nothing to anyone a block hides the user from. Others' presence
 * frames are coalesced per user within a turn (the latest wins).
 *
 * @example
 * ```ts
 * const fanOut = new FanOut(store, audience, outbox, views);
 * fanOut.presence('ada', seq, own, published, cameOnline);
 * ```
 */
export class FanOut {
  /** Users who came online while their frames are held: whichever frame wins carries their profile. */
  private readonly cameOnlineThisTurn = new Set<string>();

  constructor(
    private readonly store: PresenceStore,
    private readonly audience: Audience,
    private readonly outbox: Outbox,
    private readonly views: Views,
  ) {}

  /** Held frames went out at the end of a turn (see {@link Outbox}). */
  turnFlushed(): void {
    this.cameOnlineThisTurn.clear();
  }

  /** The owner's own view, to the owner only, with no sequence number: nobody else can count it. */
  self(userId: string): void {
    const connections = this.audience.ownOf(userId);
    const user = this.store.getUser(userId);
    if (connections.size === 0 || !user) return;
    const frame = JSON.stringify({ type: 'self', me: this.views.viewOf(user, userId) } satisfies ServerMessage);
    for (const connection of connections) this.outbox.sendRaw(connection, frame);
  }

  /**
   * A change of what others see of the user (`published`, numbered `seq`): `own` to the owner, `published`
   * to everyone else who may see it. Someone coming online may be new to an online-list watcher: their
   * profile comes along.
   */
  presence(userId: string, seq: number, own: Presence, published: Presence, cameOnline: boolean): void {
    const ownFrame = JSON.stringify({ type: 'presence', seq, userId, presence: own } satisfies ServerMessage);
    for (const connection of this.audience.ownOf(userId)) this.outbox.sendRaw(connection, ownFrame);
    const user = this.store.getUser(userId);
    if (cameOnline) this.cameOnlineThisTurn.add(userId);
    const withProfile = this.cameOnlineThisTurn.has(userId) && user !== undefined;
    const frameWith = (profile: User | undefined) =>
      JSON.stringify({ type: 'presence', seq, userId, presence: published, ...(profile ? { user: profile } : {}) } satisfies ServerMessage);
    const publicFrame = frameWith(withProfile ? user : undefined);
    // A guest gets the profile without application data (see Views.viewOf).
    let guestFrame: string | undefined;
    const hidden = hiddenFrom(this.store, userId);
    for (const connection of this.audience.of(userId)) {
      if (connection.userId === userId || hidden.has(connection.userId!)) continue;
      const frame = withProfile && this.isGuest(connection.userId!) ? (guestFrame ??= frameWith({ ...user, metadata: {} })) : publicFrame;
      // A watcher needs only the latest: a burst within one turn reaches it as one frame.
      this.outbox.offer(connection, userId, frame);
    }
  }

  /**
   * A profile created or changed, numbered `seq`: each viewer's view of it. The owner gets their own;
   * everyone else one of two frames built once, signed-in people's or guests' (no application data).
   */
  user(user: User, seq: number): void {
    const hidden = hiddenFrom(this.store, user.id);
    const shared = new Map<boolean, string>();
    for (const connection of this.audience.of(user.id)) {
      const viewer = connection.userId!;
      if (hidden.has(viewer)) continue;
      if (viewer === user.id) {
        this.outbox.send(connection, { type: 'user', seq, user: this.views.viewOf(user, viewer) });
        continue;
      }
      const guest = this.isGuest(viewer);
      let frame = shared.get(guest);
      if (frame === undefined)
        shared.set(guest, (frame = JSON.stringify({ type: 'user', seq, user: this.views.viewOf(user, viewer) } satisfies ServerMessage)));
      this.outbox.sendRaw(connection, frame);
    }
  }

  private isGuest(userId: string): boolean {
    return this.store.getUser(userId)?.isGuest === true;
  }

  /** A user deleted, numbered `seq`: said to everyone who heard of them but their block partners. */
  removed(userId: string, seq: number, partners: ReadonlySet<string>): void {
    const frame = JSON.stringify({ type: 'user-removed', seq, userId } satisfies ServerMessage);
    for (const connection of this.audience.of(userId)) if (!partners.has(connection.userId!)) this.outbox.sendRaw(connection, frame);
  }

  /** After a block or unblock: `viewer` gets their new view of `subject` (presence hidden or shown). */
  relation(viewer: string, subject: User, seq: number): void {
    for (const connection of this.audience.ownOf(viewer)) {
      this.outbox.send(connection, { type: 'user', seq, user: this.views.viewOf(subject, viewer) });
    }
  }
}
