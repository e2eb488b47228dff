import type { ServerMessage } from '../core/protocol/index.ts';
import { CLOSE_CODES } from '../core/protocol/index.ts';
import type { Connection } from './connection.ts';
import { LatestPerKey } from './latest-per-key.ts';

/**
 * Everything the hub sends goes out here: frames in sequence order (what is held for the end of a turn
 * first, see {@link LatestPerKey}), a slow reader cut off before its queue grows with everyone else's
 * traffic, and closes that do not wait for a peer that stopped reading.
 *
 * @example
 * ```ts
 * const outbox = new Outbox(1024 * 1024, (connection, code) => countFailure(connection, code), () => {});
 * outbox.send(connection, { type: 'pong' });
 * outbox.offer(connection, 'ada', frame); // the latest of ada's within this turn wins
 * ```
 */
export class Outbox {
  private readonly batch: LatestPerKey<Connection>;

  constructor(
    private readonly maxBufferedBytes: number,
    /** Told of every close before its frame goes (failed authentications are counted there). */
    private readonly onClosing: (connection: Connection, code: number) => void,
    /** Called after each end-of-turn flush of held frames. */
    onTurnFlushed: () => void,
  ) {
    this.batch = new LatestPerKey<Connection>((connection, frame) => this.transmit(connection, frame), onTurnFlushed);
  }

  send(connection: Connection, message: ServerMessage): void {
    this.sendRaw(connection, JSON.stringify(message));
  }

  /** Sends a frame after what is held for the connection, so sequence numbers arrive in order. */
  sendRaw(connection: Connection, frame: string): void {
    this.batch.flush(connection);
    this.transmit(connection, frame);
  }

  /**
   * {@link sendRaw} for a frame many connections get: encoded once (a text frame from its UTF-8 bytes), not
   * once per send.
   */
  sendShared(connection: Connection, frame: Buffer): void {
    this.batch.flush(connection);
    this.transmit(connection, frame);
  }

  /** Holds a frame to the end of this turn, replacing what was held under `key` (a watcher needs only the latest). */
  offer(connection: Connection, key: string, frame: string): void {
    this.batch.offer(connection, key, frame);
  }

  /** Forgets what is held for a connection that is gone. */
  drop(connection: Connection): void {
    this.batch.drop(connection);
  }

  close(connection: Connection, code: number, reason: string): void {
    if (connection.closing) return;
    connection.closing = true;
    this.onClosing(connection, code);
    clearTimeout(connection.authTimer);
    connection.ws.close(code, reason);
    // A peer that does not answer the close handshake (it may not be reading at all) is cut off.
    const cutOff = setTimeout(() => connection.ws.terminate(), 1000);
    cutOff.unref?.();
    connection.ws.once('close', () => clearTimeout(cutOff));
  }

  private transmit(connection: Connection, frame: string | Buffer): void {
    if (connection.closing || connection.ws.readyState !== connection.ws.OPEN) return;
    if (connection.ws.bufferedAmount > this.maxBufferedBytes) {
      // The close frame queues behind what the peer is not reading, so cut the socket now: memory
      // held for one slow reader must not grow with everyone else's traffic.
      this.close(connection, CLOSE_CODES.slowConsumer, 'slow consumer');
      connection.ws.terminate();
      return;
    }
    if (typeof frame === 'string') connection.ws.send(frame);
    else connection.ws.send(frame, { binary: false });
  }
}
