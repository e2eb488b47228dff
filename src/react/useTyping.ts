import { useCallback, useEffect, useRef } from 'react';
import { useUpdateMyPresence } from './useMyPresence.ts';

/** What {@link useTyping} gives an input. */
export interface UseTypingResult {
  /** Call on every input event: you are typing until `idleMs` pass without one. */
  onInput: () => void;
  /** Call when the message is sent (or the input cleared): you stop typing at once. */
  stop: () => void;
}

/**
 * Typing, for a message input in a room: sets `typing: true` in your room presence at the first input and
 * back to false after `idleMs` (default 3,000) without input, on `stop()` (send) and on unmount. Typing
 * rides on room presence, not on broadcasts: someone entering sees who is typing already, and a member who
 * leaves stops typing with them. `TypingIndicator` shows it. Register `typing?: boolean` in your
 * `roomPresence` type if you declared one.
 *
 * @example
 * ```tsx
 * const { onInput, stop } = useTyping();
 * <form onSubmit={(e) => { e.preventDefault(); send(text); stop(); }}>
 *   <input value={text} onChange={(e) => { setText(e.target.value); onInput(); }} />
 * </form>
 * ```
 */
export function useTyping({ idleMs = 3_000 }: { idleMs?: number } = {}): UseTypingResult {
  const update = useUpdateMyPresence<{ typing: boolean }>();
  const state = useRef<{ typing: boolean; timer: ReturnType<typeof setTimeout> | undefined }>({ typing: false, timer: undefined });
  const stop = useCallback(() => {
    clearTimeout(state.current.timer);
    state.current.timer = undefined;
    if (!state.current.typing) return;
    state.current.typing = false;
    update({ typing: false });
  }, [update]);
  const onInput = useCallback(() => {
    clearTimeout(state.current.timer);
    state.current.timer = setTimeout(stop, idleMs);
    if (state.current.typing) return;
    state.current.typing = true;
    update({ typing: true });
  }, [update, stop, idleMs]);
  useEffect(() => stop, [stop]);
  return { onInput, stop };
}
