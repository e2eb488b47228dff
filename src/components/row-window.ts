import type { ReactNode, RefObject } from 'react';

/** Scrolls a row into view: what the listbox's keyboard moves call. */
export interface RowWindowHandle {
  scrollToIndex(index: number): void;
}

/** Props of the two ways OnlineList lays out its rows: every row, or a virtualized window of them. */
export interface RowWindowProps {
  count: number;
  /** Height of row `index` in px (section headings are shorter than people). Stable while the rows are. */
  heightOf: (index: number) => number;
  scrollRef: RefObject<HTMLDivElement | null>;
  handle: RefObject<RowWindowHandle | null>;
  /** Told which rows are in the DOM, and the last one in view (to fetch the next page near the end). */
  onRange: (first: number, last: number, lastVisible: number) => void;
  renderRow: (index: number, top: number) => ReactNode;
}

/** Above this many rows the list loads the virtualizer; below, every row is simply in the DOM. */
export const VIRTUALIZE_ABOVE = 150;

/**
 * Where each row starts: `tops[i]` for row i, `tops[count]` the whole height.
 *
 * @example
 * ```ts
 * rowTops(3, (i) => (i === 0 ? 34 : 56)); // [0, 34, 90, 146]
 * ```
 */
export function rowTops(count: number, heightOf: (index: number) => number): number[] {
  const tops = [0];
  for (let index = 0; index < count; index++) tops.push(tops[index]! + heightOf(index));
  return tops;
}
