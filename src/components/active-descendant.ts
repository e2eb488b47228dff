import { useLayoutEffect, type RefObject } from 'react';

/**
 * Points a listbox's `aria-activedescendant` at the option `id` only while that option is in the DOM,
 * checked after every commit. A virtualized list's options come and go as it scrolls, and the range it
 * last reported can lag what is drawn: an id taken from that range alone could name an option that is not
 * there (an invalid value, which screen readers ignore and axe reports).
 *
 * @example
 * ```ts
 * useActiveDescendant(scrollRef, `${listId}-option-${activeRow}`);
 * ```
 */
export function useActiveDescendant(list: RefObject<HTMLElement | null>, id: string | undefined): void {
  useLayoutEffect(() => {
    const element = list.current;
    if (!element) return;
    const option = id === undefined ? null : element.ownerDocument.getElementById(id);
    if (option && element.contains(option)) element.setAttribute('aria-activedescendant', id!);
    else element.removeAttribute('aria-activedescendant');
  });
}
