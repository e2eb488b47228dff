import { setTimeout as pause } from 'node:timers/promises';

/**
 * Runs `each` over `items`, giving the event loop back for as long again whenever `sliceMs` have passed:
 * work over 100,000 users (a snapshot restored) never stops a node for more than a slice, so its lease
 * is renewed and its sockets answered meanwhile.
 *
 * @example
 * ```ts
 * await inSlices(snapshot.users, (user) => store.putUser(user));
 * ```
 */
export async function inSlices<T>(items: Iterable<T>, each: (item: T) => void, sliceMs = 5): Promise<void> {
  let sliceStart = performance.now();
  for (const item of items) {
    each(item);
    if (performance.now() - sliceStart >= sliceMs) {
      await pause(sliceMs);
      sliceStart = performance.now();
    }
  }
}
