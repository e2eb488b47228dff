// Window frames as the client reads them (protocol/online-list.ts has the schema they mirror): their own
// module, so an app that never asks for a window bundles none of it.
import type { ServerMessage } from '../protocol/messages.ts';
import type { ParseResult } from '../protocol/parse.ts';
import { decodeFrame, exactly, list, optional, shape, str, whole } from './decode.ts';
import { decodeCounts } from './messages.ts';
import { decodeUserView } from './model.ts';

type Rows = Extract<ServerMessage, { type: 'online-rows' }>;

const decodeRows = shape<Rows>({
  type: exactly('online-rows'),
  rid: optional(whole),
  lane: optional(str),
  from: whole,
  ids: list(str),
  users: list(decodeUserView),
  counts: decodeCounts,
});

/**
 * Reads a frame as an `online-rows` frame, or says it is none (`null`, so other readers may take it).
 *
 * @example
 * ```ts
 * const parsed = readRowsMessage(event.data);
 * if (parsed?.ok) window.apply(parsed.value);
 * ```
 */
export function readRowsMessage(raw: unknown): ParseResult<Rows> | null {
  // The server writes `type` first: a look at the start tells the frame without parsing it.
  if (typeof raw !== 'string' || !raw.startsWith('{"type":"online-rows"')) return null;
  return decodeFrame(decodeRows, raw);
}
