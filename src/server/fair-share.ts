/**
 * Whether a holder may take `amount` more of a shared capacity: freely while it is less than three
 * quarters full; past that only up to an equal share among those holding some and one newcomer, and
 * never so much that it would then hold more than is left free. Whatever many callers each within their
 * own cap do, the free part never falls below what the largest of them holds, so a caller holding
 * nothing yet still finds room.
 *
 * @example
 * ```ts
 * withinFairShare({ held: 900, amount: 1, total: 16_000, capacity: 20_000, holders: 20 }); // false
 * ```
 */
export function withinFairShare(state: { held: number; amount: number; total: number; capacity: number; holders: number }): boolean {
  const { held, amount, total, capacity, holders } = state;
  if (total + amount <= capacity * 0.75) return true;
  return held + amount <= capacity / (holders + 1) && held + amount <= capacity - total - amount;
}
