import type { OnlineCounts } from '../core/protocol/index.ts';
import type { Presence, User } from '../core/protocol/index.ts';

/** The sections of the online list, in the order it shows them. */
export const SECTIONS = ['online', 'away', 'busy'] as const;
/** One section of the online list. @example `'away'` */
export type Section = (typeof SECTIONS)[number];

/**
 * Natural order ("User 2" before "User 10"), ignoring case and accents: as the client's list sorts. Rooms
 * order their members by it too.
 *
 * @example
 * ```ts
 * names.sort(NAME_COLLATOR.compare);
 * ```
 */
export const NAME_COLLATOR = new Intl.Collator('en', { sensitivity: 'base', numeric: true });
const collator = NAME_COLLATOR;

interface Place {
  section: Section;
  name: string;
  /** Lower-cased display name and username, what a search matches. */
  folded: string;
}

/**
 * Everyone publicly online in the list's stable order: by section (online, away, busy), then by display
 * name, then by id. Kept sorted as changes are applied (a binary search and a splice each), so a window of
 * rows or a count costs what it returns, not the size of the list. Built from the shared state alone, so
 * every node holds the same order and the same counts.
 *
 * @example
 * ```ts
 * const order = new OnlineOrder((id) => store.getUser(id), (id) => state.existing(id)?.published);
 * order.place('ada');
 * order.counts(); // { online: 1, away: 0, busy: 0 }
 * ```
 */
export class OnlineOrder {
  private readonly lists: Record<Section, string[]> = { online: [], away: [], busy: [] };
  private readonly places = new Map<string, Place>();
  /** Bumped by every change of the order. */
  version = 0;
  /**
   * The lowest position (in the whole order) a change touched since {@link takeTouched}: rows above it are
   * where they were, so a window ending above it has not changed.
   */
  private lowestTouched = Infinity;

  constructor(
    private readonly profile: (userId: string) => User | undefined,
    private readonly published: (userId: string) => Presence | undefined,
  ) {}

  /** How many are online, in all. */
  get size(): number {
    return this.places.size;
  }

  /** Puts the user where their published presence and profile say (nowhere when not publicly online). */
  place(userId: string): void {
    const presence = this.published(userId);
    const user = this.profile(userId);
    const section = presence?.online && user && (SECTIONS as readonly string[]).includes(presence.status) ? (presence.status as Section) : null;
    const held = this.places.get(userId);
    const name = user ? user.displayName || user.username : '';
    if (held && section === held.section && name === held.name) return;
    if (held) this.remove(userId, held);
    if (section === null || !user) return;
    const place = { section, name, folded: `${user.displayName.toLowerCase()}\n${user.username.toLowerCase()}` };
    const list = this.lists[section];
    const at = this.search(list, place, userId);
    list.splice(at, 0, userId);
    this.places.set(userId, place);
    this.touched(section, at);
  }

  /** The user is gone (deleted): out of the order. */
  forget(userId: string): void {
    const held = this.places.get(userId);
    if (held) this.remove(userId, held);
  }

  /** Where the user is, or undefined when not online. */
  sectionOf(userId: string): Section | undefined {
    return this.places.get(userId)?.section;
  }

  /** Whether the user's name or username holds `query` (lower case). */
  matches(userId: string, query: string): boolean {
    return this.places.get(userId)?.folded.includes(query) ?? false;
  }

  /** The ids of a section, in order (read only: the order's own array). */
  section(section: Section): readonly string[] {
    return this.lists[section];
  }

  counts(): OnlineCounts {
    return { online: this.lists.online.length, away: this.lists.away.length, busy: this.lists.busy.length };
  }

  /** Compares two online users as the order does (for a viewer's own sorted subset). */
  compare(a: string, b: string): number {
    const pa = this.places.get(a)!;
    const pb = this.places.get(b)!;
    return SECTIONS.indexOf(pa.section) - SECTIONS.indexOf(pb.section) || collator.compare(pa.name, pb.name) || (a < b ? -1 : a > b ? 1 : 0);
  }

  /** The lowest position touched since the last call (Infinity: none), and starts over. */
  takeTouched(): number {
    const lowest = this.lowestTouched;
    this.lowestTouched = Infinity;
    return lowest;
  }

  private remove(userId: string, held: Place): void {
    const list = this.lists[held.section];
    const at = this.search(list, held, userId);
    if (list[at] === userId) list.splice(at, 1);
    else list.splice(list.indexOf(userId), 1);
    this.places.delete(userId);
    this.touched(held.section, at);
  }

  private touched(section: Section, at: number): void {
    let position = at;
    for (const before of SECTIONS) {
      if (before === section) break;
      position += this.lists[before].length;
    }
    this.lowestTouched = Math.min(this.lowestTouched, position);
    this.version++;
  }

  /** The first index in `list` not before (place, id). */
  private search(list: readonly string[], place: Place, userId: string): number {
    let low = 0;
    let high = list.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const other = list[middle]!;
      const order = collator.compare(this.places.get(other)!.name, place.name) || (other < userId ? -1 : other > userId ? 1 : 0);
      if (order < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
