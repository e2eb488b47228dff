import type { EnvironmentEvents } from './connection.ts';

/** Input that counts as the user being there. */
const ACTIVITY_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'focus'] as const;

/**
 * Calls `onIdle` once no input arrived for `afterMs` (a hidden tab gets no input, so it goes idle too),
 * and `onActive` at the first input after that. Returns a function that removes every listener and timer.
 * Given the browser's `tabs` channel, input in any tab counts (told as a `0` message, at most ten times per
 * period): a tab left in the background does not set the user away while they work in another.
 *
 * @example
 * ```ts
 * const stop = trackIdle(window, 300_000, () => setAway(), () => setOnline(), new BroadcastChannel('activity'));
 * ```
 */
export function trackIdle(
  environment: EnvironmentEvents,
  afterMs: number,
  onIdle: () => void,
  onActive: () => void,
  tabs?: BroadcastChannel | null,
): () => void {
  let idle = false;
  let lastInput = Date.now();
  let told = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const arm = (delay: number) => {
    clearTimeout(timer);
    timer = setTimeout(check, delay);
  };
  // One timer per idle period, re-armed lazily: input only stamps a time, so pointermove stays cheap.
  function check(): void {
    const quietFor = Date.now() - lastInput;
    if (quietFor >= afterMs) {
      idle = true;
      onIdle();
    } else {
      arm(afterMs - quietFor);
    }
  }
  const active = (here: boolean) => {
    lastInput = Date.now();
    const woke = idle;
    if (woke) {
      idle = false;
      arm(afterMs);
      onActive();
    }
    // Told when this tab wakes (after `onActive`, so what it tells the others comes first), and otherwise a
    // tenth of the period apart: enough to keep the others awake.
    if (here && tabs && (woke || lastInput - told >= afterMs / 10)) {
      told = lastInput;
      tabs.postMessage(0);
    }
  };
  const onInput = () => active(true);
  const onTab = (event: MessageEvent) => event.data === 0 && active(false);
  tabs?.addEventListener('message', onTab);
  const onVisibility = () => {
    const hidden = (globalThis as { document?: { visibilityState?: string } }).document?.visibilityState === 'hidden';
    if (!hidden) onInput();
  };

  for (const type of ACTIVITY_EVENTS) environment.addEventListener(type, onInput);
  environment.addEventListener('visibilitychange', onVisibility);
  arm(afterMs);
  return () => {
    clearTimeout(timer);
    tabs?.removeEventListener('message', onTab);
    for (const type of ACTIVITY_EVENTS) environment.removeEventListener(type, onInput);
    environment.removeEventListener('visibilitychange', onVisibility);
  };
}
