import { useEffect, useImperativeHandle, useMemo, useState, type ReactNode } from 'react';
import { rowTops, type RowWindowProps } from './row-window.ts';

/**
 * The rows of a short list, every one in the DOM (so they render in jsdom and happy-dom tests too).
 * `limit` renders only the first rows: what a long list shows while its virtualizer loads.
 *
 * @example
 * ```tsx
 * <AllRows count={12} heightOf={() => 56} scrollRef={scrollRef} handle={handle} onRange={setRange} renderRow={row} />
 * ```
 */
export function AllRows({ count, heightOf, scrollRef, handle, onRange, renderRow, limit = count }: RowWindowProps & { limit?: number }): ReactNode {
  const shown = Math.min(count, limit);
  const tops = useMemo(() => rowTops(count, heightOf), [count, heightOf]);
  const [lastVisible, setLastVisible] = useState(0);
  useImperativeHandle(
    handle,
    () => ({
      scrollToIndex(index) {
        const element = scrollRef.current;
        if (!element) return;
        const [top, bottom] = [tops[index]!, tops[index + 1]!];
        if (top < element.scrollTop) element.scrollTop = top;
        else if (bottom > element.scrollTop + element.clientHeight) element.scrollTop = bottom - element.clientHeight;
      },
    }),
    [scrollRef, tops],
  );
  useEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    // The last row starting above the bottom of the view (a short list: a scan is fine).
    const measure = () => {
      const bottom = element.scrollTop + element.clientHeight;
      let last = 0;
      while (last + 1 < count && tops[last + 1]! < bottom) last++;
      setLastVisible(last);
    };
    measure();
    element.addEventListener('scroll', measure, { passive: true });
    return () => element.removeEventListener('scroll', measure);
  }, [scrollRef, tops, count]);
  useEffect(() => onRange(0, shown - 1, Math.min(lastVisible, shown - 1)), [shown, lastVisible, onRange]);
  return (
    <div className="pk-online-list-inner" style={{ height: tops[count] }}>
      {Array.from({ length: shown }, (_, index) => renderRow(index, tops[index]!))}
    </div>
  );
}
