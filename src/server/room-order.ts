import { NAME_COLLATOR } from './online-order.ts';
import type { PresenceStore } from './store.ts';

interface Place {
  name: string;
  /** Lower-cased display name and username, what a search matches. */
  folded: string;
}

/**
 * The members of one room shown to its watchers, in the room's stable order: by display name (natural,
 * ignoring case and accents, as the online list), then by id. Kept sorted as members come, go or are
 * renamed (a binary search and a splice each), so a window of rows costs what it returns. Each node keeps
 * one for the rooms it has watchers of, from the room state every node shares: the same order everywhere.
 *
 * @example
 * ```ts
 * const order = new RoomOrder(store);
 * order.place('ada', true);
 * order.ids; // ['ada']
 * ```
 */
export class RoomOrder {
  private readonly list: string[] = [];
  private readonly places = new Map<string, Place>();
  /** The lowest position a change touched since {@link takeTouched} (rows above it did not move). */
  private lowestTouched = Infinity;

  constructor(private readonly store: PresenceStore) {}

  get size(): number {
    return this.list.length;
  }

  /** The members in order (the order's own array: read only). */
  get ids(): readonly string[] {
    return this.list;
  }

  has(userId: string): boolean {
    return this.places.has(userId);
  }

  /** Puts the member where their name says, or takes them out (`shown` false: gone, or invisible). */
  place(userId: string, shown: boolean): void {
    const user = shown ? this.store.getUser(userId) : undefined;
    const held = this.places.get(userId);
    const name = user ? user.displayName || user.username : '';
    if (held && user && held.name === name) return;
    if (held) this.remove(userId, held);
    if (!user) return;
    const place = { name, folded: `${user.displayName.toLowerCase()}\n${user.username.toLowerCase()}` };
    const at = this.search(place, userId);
    this.list.splice(at, 0, userId);
    this.places.set(userId, place);
    this.lowestTouched = Math.min(this.lowestTouched, at);
  }

  /** Whether the member's name or username holds `query` (lower case). */
  matches(userId: string, query: string): boolean {
    return this.places.get(userId)?.folded.includes(query) ?? false;
  }

  /** The lowest position touched since the last call (Infinity: none), and starts over. */
  takeTouched(): number {
    const lowest = this.lowestTouched;
    this.lowestTouched = Infinity;
    return lowest;
  }

  private remove(userId: string, held: Place): void {
    const at = this.search(held, userId);
    this.list.splice(this.list[at] === userId ? at : this.list.indexOf(userId), 1);
    this.places.delete(userId);
    this.lowestTouched = Math.min(this.lowestTouched, at);
  }

  /** The first index not before (place, id). */
  private search(place: Place, userId: string): number {
    let low = 0;
    let high = this.list.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const other = this.list[middle]!;
      const order = NAME_COLLATOR.compare(this.places.get(other)!.name, place.name) || (other < userId ? -1 : other > userId ? 1 : 0);
      if (order < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
