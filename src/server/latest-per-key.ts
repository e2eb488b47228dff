/**
 * Frames held for the rest of one turn of the event loop, per target and key, the last one winning: a
 * burst of changes of one user (a batch read from the log, frames read together from many sockets, a
 * reconnect flapping a user online and offline) reaches each watcher as one frame with the latest state.
 *
 * A target's held frames go out, in the order their keys were last offered, before any other frame to
 * it ({@link flush}), so the sequence numbers a client receives never go back: its catch-up cursor stays
 * a true "everything up to here has arrived".
 *
 * @example
 * ```ts
 * const batch = new LatestPerKey<WebSocket>((ws, frame) => ws.send(frame));
 * batch.offer(ws, 'ada', '{"type":"presence","seq":7,…}');
 * batch.offer(ws, 'ada', '{"type":"presence","seq":9,…}'); // replaces seq 7
 * // at the end of this turn: ws receives seq 9 only
 * ```
 */
export class LatestPerKey<Target> {
  private readonly pending = new Map<Target, Map<string, string>>();
  private scheduled = false;

  constructor(
    private readonly deliver: (target: Target, frame: string) => void,
    /** Called after each end-of-turn flush (state kept only while frames are held can be dropped). */
    private readonly onFlushed: () => void = () => {},
  ) {}

  /** Holds `frame` for `target` until the end of this turn, replacing what was held under `key`. */
  offer(target: Target, key: string, frame: string): void {
    let held = this.pending.get(target);
    if (!held) this.pending.set(target, (held = new Map()));
    // Delete first so the key moves to the end: frames leave in the order of their sequence numbers.
    held.delete(key);
    held.set(key, frame);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flushAll());
  }

  /** Sends what is held for `target` now: called before any other frame to it. */
  flush(target: Target): void {
    const held = this.pending.get(target);
    if (!held) return;
    this.pending.delete(target);
    for (const frame of held.values()) this.deliver(target, frame);
  }

  /** Forgets what is held for a target that is gone. */
  drop(target: Target): void {
    this.pending.delete(target);
  }

  /** Whether anything is held (tests and the end-of-turn callback). */
  get holding(): boolean {
    return this.pending.size > 0;
  }

  private flushAll(): void {
    this.scheduled = false;
    for (const target of [...this.pending.keys()]) this.flush(target);
    this.onFlushed();
  }
}
