import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useImperativeHandle, type ReactNode } from 'react';
import type { RowWindowProps } from './row-window.ts';

/**
 * The rows of a long list, virtualized by @tanstack/react-virtual: only what is in view (plus a few)
 * is in the DOM. Loaded on demand by OnlineList, so apps whose lists stay short never download it.
 *
 * @example
 * ```tsx
 * <VirtualRows count={10_000} heightOf={() => 56} scrollRef={scrollRef} handle={handle} onRange={setRange} renderRow={row} />
 * ```
 */
export default function VirtualRows({ count, heightOf, scrollRef, handle, onRange, renderRow }: RowWindowProps): ReactNode {
  // The React Compiler cannot memoize around it; this library is not compiled with it.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: heightOf,
    overscan: 6,
    // It may arrive after the user scrolled (the rows before it had no virtualizer): start where they are.
    initialOffset: () => scrollRef.current?.scrollTop ?? 0,
  });
  // Rows moved (someone came, went, or changed section): the sizes it cached by index are stale.
  useEffect(() => virtualizer.measure(), [virtualizer, heightOf]);
  const items = virtualizer.getVirtualItems();
  useImperativeHandle(handle, () => ({ scrollToIndex: (index) => virtualizer.scrollToIndex(index, { align: 'auto' }) }), [virtualizer]);
  const first = items[0]?.index ?? 0;
  const last = items.at(-1)?.index ?? -1;
  useEffect(() => onRange(first, last, last), [first, last, onRange]);
  return (
    <div className="pk-online-list-inner" style={{ height: virtualizer.getTotalSize() }}>
      {items.map((item) => renderRow(item.index, item.start))}
    </div>
  );
}
