import type { EnvironmentEvents } from './connection.ts';

/** Input that counts as the user being there. */
const ACTIVITY_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'focus'] as const;

/**
 * Calls `onIdle` once no input arrived for `afterMs` (a hidden tab gets no input, so it goes idle too),
 * and `onActive` at the first input after that. Returns a function that removes every listener and timer.
 *
 * @example
 * ```ts
 * const stop = trackIdle(window, 300_000, () => setAway(), () => setOnline());
 * ```
 */
export function trackIdle(environment: EnvironmentEvents, afterMs: number, onIdle: () => void, onActive: () => void): () => void {
  let idle = false;
  let lastInput = Date.now();
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
  const onInput = () => {
    lastInput = Date.now();
    if (!idle) return;
    idle = false;
    arm(afterMs);
    onActive();
  };
  const onVisibility = () => {
    const hidden = (globalThis as { document?: { visibilityState?: string } }).document?.visibilityState === 'hidden';
    if (!hidden) onInput();
  };

  for (const type of ACTIVITY_EVENTS) environment.addEventListener(type, onInput);
  environment.addEventListener('visibilitychange', onVisibility);
  arm(afterMs);
  return () => {
    clearTimeout(timer);
    for (const type of ACTIVITY_EVENTS) environment.removeEventListener(type, onInput);
    environment.removeEventListener('visibilitychange', onVisibility);
  };
}
