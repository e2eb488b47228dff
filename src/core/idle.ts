import type { EnvironmentEvents } from './connection.ts';

/** Input that counts as the user being there. */
const ACTIVITY_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'focus'] as const;

/**
 * Calls `onIdle` once no input arrived for `afterMs` (a hidden tab gets no input, so it goes idle too),
 * and `onActive` at the first input after that. Returns a function that removes every listener and timer.
 * Given a `channel` name, input in any tab of the browser counts (told over a BroadcastChannel, at most a
 * few times per period): a tab left in the background does not set the user away while they work in
 * another.
 *
 * @example
 * ```ts
 * const stop = trackIdle(window, 300_000, () => setAway(), () => setOnline(), 'presence-kit:activity');
 * ```
 */
export function trackIdle(environment: EnvironmentEvents, afterMs: number, onIdle: () => void, onActive: () => void, channel?: string): () => void {
  let idle = false;
  let lastInput = Date.now();
  let told = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tabs = channel && typeof BroadcastChannel === 'function' ? new BroadcastChannel(channel) : null;

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
    // Told when this tab wakes up, and otherwise a tenth of the period apart: enough to keep others awake.
    if (here && tabs && (idle || lastInput - told >= afterMs / 10)) {
      told = lastInput;
      tabs.postMessage(0);
    }
    if (!idle) return;
    idle = false;
    arm(afterMs);
    onActive();
  };
  const onInput = () => active(true);
  if (tabs) tabs.onmessage = () => active(false);
  const onVisibility = () => {
    const hidden = (globalThis as { document?: { visibilityState?: string } }).document?.visibilityState === 'hidden';
    if (!hidden) onInput();
  };

  for (const type of ACTIVITY_EVENTS) environment.addEventListener(type, onInput);
  environment.addEventListener('visibilitychange', onVisibility);
  arm(afterMs);
  return () => {
    clearTimeout(timer);
    tabs?.close();
    for (const type of ACTIVITY_EVENTS) environment.removeEventListener(type, onInput);
    environment.removeEventListener('visibilitychange', onVisibility);
  };
}
