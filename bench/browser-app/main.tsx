import { createRoot } from 'react-dom/client';
import '../../src/components/styles.css';
import { OnlineList } from '../../src/components/index.ts';
import type { SessionTokens } from '../../src/core/index.ts';
import { PresenceProvider } from '../../src/react/index.ts';

declare global {
  interface Window {
    __BENCH__: { url: string; session: SessionTokens };
    bench: {
      longTasks: number[];
      frames: number[];
      latencies: number[];
      start(): void;
      scroll(on: boolean | 'through'): void;
    };
  }
}

const { url, session } = window.__BENCH__;

// Event-to-DOM: the server writes its clock into status messages ("t=<ms>") of rows in view; a
// mutation observer sees the text land in the DOM.
const bench: Window['bench'] = { longTasks: [], frames: [], latencies: [], start() {}, scroll() {} };
window.bench = bench;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) bench.longTasks.push(entry.duration);
}).observe({ type: 'longtask', buffered: true });

let scrolling: boolean | 'through' = false;
let through = 0;
let last = performance.now();
const frame = (now: number) => {
  bench.frames.push(now - last);
  last = now;
  if (scrolling) {
    // Back and forth over the first rows: virtualization mounts and unmounts rows every frame, while
    // the rows the server updates stay in view most of the time.
    const list = document.querySelector<HTMLElement>('[role="listbox"]');
    // 'through': down the whole list at 6,000 px/s (about a hundred people a second), back to the top at the end.
    if (list && scrolling === 'through') list.scrollTop = through = through + 100 >= list.scrollHeight - list.clientHeight ? 0 : through + 100;
    else if (list) list.scrollTop = Math.round(300 + 300 * Math.sin(now / 250));
  }
  requestAnimationFrame(frame);
};
bench.start = () => {
  bench.longTasks.length = 0;
  bench.frames.length = 0;
  bench.latencies.length = 0;
  last = performance.now();
};
bench.scroll = (on) => {
  scrolling = on;
  through = 0;
};
requestAnimationFrame(frame);

// Only text changed in place counts: a row scrolled into view brings old markers with it.
const seen = new Set<string>();
new MutationObserver((records) => {
  const now = Date.now();
  for (const record of records) {
    if (record.type !== 'characterData') continue;
    const match = /t=(\d{13})/.exec(record.target.textContent ?? '');
    if (!match || seen.has(match[1]!)) continue;
    seen.add(match[1]!);
    bench.latencies.push(now - Number(match[1]));
  }
}).observe(document.getElementById('root')!, { subtree: true, characterData: true });

createRoot(document.getElementById('root')!).render(
  <PresenceProvider url={url} session={session} offlineGraceMs={0} autoAway={false}>
    <OnlineList style={{ height: 760, width: 420 }} showOffline={false} hideCurrentUser />
  </PresenceProvider>,
);
