import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useImperativeHandle, type ReactNode } from 'react';
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
  // A new key function whenever the heights change (someone came, went, or changed section) makes the
  // virtualizer recompute its offsets in this render; `measure()` from an effect cost a second render per
  // change (bench:browser p95 event-to-DOM 7 -> 18 ms). The keys are indexes: no row is measured.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const getItemKey = useCallback((index: number) => index, [heightOf]);
  // The React Compiler cannot memoize around it; this library is not compiled with it.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: heightOf,
    getItemKey,
    overscan: 6,
    // It may arrive after the user scrolled (the rows before it had no virtualizer): start where they are.
    initialOffset: () => scrollRef.current?.scrollTop ?? 0,
  });
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
