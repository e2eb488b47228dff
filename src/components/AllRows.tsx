import { useEffect, useImperativeHandle, useState, type ReactNode } from 'react';
import type { RowWindowProps } from './row-window.ts';

/**
 * The rows of a short list, every one in the DOM (so they render in jsdom and happy-dom tests too).
 * `limit` renders only the first rows: what a long list shows while its virtualizer loads.
 *
 * @example
 * ```tsx
 * <AllRows count={12} rowHeight={56} scrollRef={scrollRef} handle={handle} onRange={setRange} renderRow={row} />
 * ```
 */
export function AllRows({ count, rowHeight, scrollRef, handle, onRange, renderRow, limit = count }: RowWindowProps & { limit?: number }): ReactNode {
  const shown = Math.min(count, limit);
  const [lastVisible, setLastVisible] = useState(0);
  useImperativeHandle(
    handle,
    () => ({
      scrollToIndex(index) {
        const element = scrollRef.current;
        if (!element) return;
        const top = index * rowHeight;
        if (top < element.scrollTop) element.scrollTop = top;
        else if (top + rowHeight > element.scrollTop + element.clientHeight) element.scrollTop = top + rowHeight - element.clientHeight;
      },
    }),
    [scrollRef, rowHeight],
  );
  useEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    const measure = () => setLastVisible(Math.ceil((element.scrollTop + element.clientHeight) / rowHeight) - 1);
    measure();
    element.addEventListener('scroll', measure, { passive: true });
    return () => element.removeEventListener('scroll', measure);
  }, [scrollRef, rowHeight]);
  useEffect(() => onRange(0, shown - 1, Math.min(lastVisible, shown - 1)), [shown, lastVisible, onRange]);
  return (
    <div className="pk-online-list-inner" style={{ height: count * rowHeight }}>
      {Array.from({ length: shown }, (_, index) => renderRow(index, index * rowHeight))}
    </div>
  );
}
