import { useEffect, useState } from 'react';

/** How long a row must stay active (pointer resting on it, or reached with the keyboard) before its card shows. */
const REST_MS = 400;

/**
 * Which row's card OnlineList shows (its `card` prop): the active row's, once it has stayed active a
 * moment while the pointer or focus is in the list; none after Escape until another row is reached.
 *
 * @example
 * ```ts
 * const card = useListCard(Card !== undefined && engaged, activeRow);
 * ```
 */
export function useListCard(enabled: boolean, activeRow: number): { shown: number | null; dismiss: () => void } {
  const [rested, setRested] = useState<number | null>(null);
  useEffect(() => {
    if (!enabled || activeRow < 0) return;
    const timer = setTimeout(() => setRested(activeRow), REST_MS);
    return () => clearTimeout(timer);
  }, [enabled, activeRow]);
  const shown = enabled && rested === activeRow ? activeRow : null;
  // Until the row has rested again: another row reached, or this one left and come back to.
  return { shown, dismiss: () => setRested(null) };
}
