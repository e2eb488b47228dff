// The server's frames, as the client reads them (protocol/messages.ts has the schemas they mirror).
import { ERROR_CODES } from '../protocol/codes.ts';
import type { ServerMessage } from '../protocol/messages.ts';
import type { OnlineCounts } from '../protocol/online-list-limits.ts';
import type { ParseResult } from '../protocol/parse.ts';
import { bool, byType, decodeFrame, exactly, list, nullable, num, oneOf, optional, shape, str, whole, type Decoder } from './decode.ts';
import { decodePresence, decodeUser, decodeUserView } from './model.ts';

/** The counts of the online list's sections. */
export const decodeCounts = shape<OnlineCounts>({ online: whole, away: whole, busy: whole });

type Of<K extends ServerMessage['type']> = Extract<ServerMessage, { type: K }>;

/**
 * Reads one server frame: its `type` picks the decoder.
 *
 * @example
 * ```ts
 * const parsed = decodeValue(decodeServerMessage, JSON.parse(text));
 * ```
 */
export const decodeServerMessage: Decoder<ServerMessage> = byType<ServerMessage>(
  {
    welcome: shape<Of<'welcome'>>({
      type: exactly('welcome'),
      protocol: str,
      sessionId: str,
      me: decodeUserView,
      seq: whole,
      serverTime: str,
      heartbeatMs: num,
    }),
    snapshot: shape<Of<'snapshot'>>({
      type: exactly('snapshot'),
      rid: optional(whole),
      seq: whole,
      full: bool,
      users: list(decodeUserView),
      removed: list(str),
    }),
    presence: shape<Of<'presence'>>({
      type: exactly('presence'),
      seq: whole,
      userId: str,
      presence: nullable(decodePresence),
      user: optional(decodeUser),
    }),
    self: shape<Of<'self'>>({ type: exactly('self'), me: decodeUserView }),
    user: shape<Of<'user'>>({ type: exactly('user'), seq: whole, user: decodeUserView }),
    'user-removed': shape<Of<'user-removed'>>({ type: exactly('user-removed'), seq: whole, userId: str }),
    ack: shape<Of<'ack'>>({ type: exactly('ack'), rid: num }),
    error: shape<Of<'error'>>({
      type: exactly('error'),
      rid: optional(whole),
      code: oneOf(ERROR_CODES),
      message: str,
      retryAfterMs: optional(num),
    }),
    pong: shape<Of<'pong'>>({ type: exactly('pong'), t: optional(num) }),
    'online-count': shape<Of<'online-count'>>({ type: exactly('online-count'), counts: decodeCounts, large: bool }),
  },
  'is not a frame type this client knows',
);

/**
 * Reads one frame the client received: the frame, or why it was dropped.
 *
 * @example
 * ```ts
 * const parsed = readServerMessage(event.data);
 * if (!parsed.ok) report(parsed.reason);
 * ```
 */
export function readServerMessage(raw: unknown): ParseResult<ServerMessage> {
  return decodeFrame(decodeServerMessage, raw);
}
