import type { PresenceCore } from '../core/index.ts';
import { kernelOf, type KernelInspection } from '../core/kernel.ts';
import type { ClientMessageInput, ServerMessage } from '../core/protocol/index.ts';

/** One line of the devtools log. */
export interface LoggedFrame {
  id: number;
  at: number;
  direction: 'in' | 'out';
  type: string;
  /** The user it concerns, when there is one (`presence`, `user`, `user-removed`). */
  userId?: string;
  seq?: number;
  frame: ServerMessage | ClientMessageInput;
}

/** One change of the connection's status. */
export interface StatusChange {
  at: number;
  status: string;
  error: string | null;
}

/** What the panel shows, recomputed on each change. */
export interface DevtoolsState {
  frames: readonly LoggedFrame[];
  history: readonly StatusChange[];
  /** Catch-ups asked (a subscribe from a cursor, or `catch-up`) and how the server answered them. */
  catchUps: { asked: number; lastFrom: number | null; full: number; partial: number };
  inspection: KernelInspection;
}

/** The log keeps the newest frames only, so a busy page cannot grow it without end. */
export const LOG_LIMIT = 500;

/**
 * Records a client's frames and status changes while devtools are mounted, and tells the panel when
 * anything changed. The auth frame (with the token) and heartbeats never pass the tap.
 *
 * @example
 * ```ts
 * const recorder = createRecorder(client);
 * const stop = recorder.subscribe(() => render(recorder.snapshot()));
 * ```
 */
export function createRecorder(client: PresenceCore) {
  const kernel = kernelOf(client);
  let frames: LoggedFrame[] = [];
  let nextId = 0;
  const { status, error } = client.state.getState();
  let history: StatusChange[] = [{ at: Date.now(), status, error: error?.message ?? null }];
  const catchUps = { asked: 0, lastFrom: null as number | null, full: 0, partial: 0 };
  const listeners = new Set<() => void>();
  let snapshot: DevtoolsState | null = null;
  let paused = false;
  let stopState: (() => void) | null = null;

  const changed = () => {
    snapshot = null;
    for (const listener of listeners) listener();
  };

  const tap = (direction: 'in' | 'out', frame: ServerMessage | ClientMessageInput) => {
    if (direction === 'out' && (frame.type === 'catch-up' || (frame.type === 'subscribe' && frame.from !== undefined))) {
      catchUps.asked += 1;
      catchUps.lastFrom = 'from' in frame && frame.from !== undefined ? frame.from : null;
    }
    if (direction === 'in' && frame.type === 'snapshot') catchUps[frame.full ? 'full' : 'partial'] += 1;
    if (paused) return changed();
    const entry: LoggedFrame = { id: nextId++, at: Date.now(), direction, type: frame.type, frame };
    if ('userId' in frame && typeof frame.userId === 'string') entry.userId = frame.userId;
    else if (frame.type === 'user') entry.userId = frame.user.id;
    if ('seq' in frame && typeof frame.seq === 'number') entry.seq = frame.seq;
    frames = frames.length >= LOG_LIMIT ? [...frames.slice(frames.length - LOG_LIMIT + 1), entry] : [...frames, entry];
    changed();
  };

  return {
    subscribe(listener: () => void): () => void {
      if (listeners.size === 0) {
        kernel.taps.add(tap);
        stopState = client.state.subscribe((current, previous) => {
          if (current.status === previous.status && current.error === previous.error) return;
          history = [...history.slice(-49), { at: Date.now(), status: current.status, error: current.error?.message ?? null }];
          changed();
        });
      }
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size > 0) return;
        kernel.taps.delete(tap);
        stopState?.();
      };
    },
    snapshot(): DevtoolsState {
      snapshot ??= { frames, history, catchUps: { ...catchUps }, inspection: kernel.inspect() };
      return snapshot;
    },
    /** The connection's latest status: the same object until it changes. */
    lastStatus: (): StatusChange => history.at(-1)!,
    /** Keeps counting but stops adding frames to the log. */
    setPaused(value: boolean) {
      paused = value;
      changed();
    },
    isPaused: () => paused,
    clear() {
      frames = [];
      changed();
    },
    /** Retains and status changes happen without a frame at times: look again. */
    refresh: changed,
  };
}

export type Recorder = ReturnType<typeof createRecorder>;
