import { useLayoutEffect, useRef, type RefObject } from 'react';

/**
 * Points a listbox's `aria-activedescendant` at the option `id` only while that option is in the DOM. A
 * virtualized list's options come and go as it scrolls, drawn by the virtualizer without the list itself
 * rendering again: an id taken from the list's last known range could name an option no longer there (an
 * invalid value, which screen readers ignore and axe reports). So it is checked after every commit of the
 * list and whenever its options change.
 *
 * @example
 * ```ts
 * useActiveDescendant(scrollRef, `${listId}-option-${activeRow}`);
 * ```
 */
export function useActiveDescendant(list: RefObject<HTMLElement | null>, id: string | undefined): void {
  const latest = useRef(id);
  const watching = useRef<{ element: HTMLElement; observer: MutationObserver } | null>(null);
  useLayoutEffect(() => {
    latest.current = id;
    const element = list.current;
    apply(element, id);
    // The listbox element may be replaced (loading, then ready): observe the one there now.
    if (watching.current?.element === element || typeof MutationObserver === 'undefined') return;
    watching.current?.observer.disconnect();
    watching.current = null;
    if (!element) return;
    const observer = new MutationObserver(() => apply(element, latest.current));
    observer.observe(element, { childList: true, subtree: true });
    watching.current = { element, observer };
  });
  useLayoutEffect(
    () => () => {
      watching.current?.observer.disconnect();
      watching.current = null;
    },
    [],
  );
}

function apply(element: HTMLElement | null, id: string | undefined): void {
  if (!element) return;
  const option = id === undefined ? null : element.ownerDocument.getElementById(id);
  if (option && element.contains(option)) {
    if (element.getAttribute('aria-activedescendant') !== id) element.setAttribute('aria-activedescendant', id!);
  } else if (element.hasAttribute('aria-activedescendant')) element.removeAttribute('aria-activedescendant');
}
