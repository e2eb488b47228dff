// Room frames as the client reads them (protocol/rooms.ts has the schemas they mirror): their own module,
// so an app that never enters a room bundles none of it.
import type { ParseResult } from '../protocol/parse.ts';
import { ROOM_LIMITS } from '../protocol/room-limits.ts';
import type { RoomMemberWire, RoomServerMessage } from '../protocol/rooms.ts';
import { bool, byType, decodeFrame, exactly, json, list, nullable, oneOf, optional, shape, str, whole, type Decoder } from './decode.ts';

type Of<K extends RoomServerMessage['type']> = Extract<RoomServerMessage, { type: K }>;

const roomJson = json<RoomMemberWire['presence']>(ROOM_LIMITS.jsonBytes);

const decodeMember = shape<RoomMemberWire>({
  userId: str,
  presence: nullable(roomJson),
  connections: list(shape<RoomMemberWire['connections'][number]>({ id: str, presence: nullable(roomJson), enteredAt: str })),
});

/**
 * Reads one room frame.
 *
 * @example
 * ```ts
 * const parsed = decodeValue(decodeRoomMessage, JSON.parse(text));
 * ```
 */
export const decodeRoomMessage: Decoder<RoomServerMessage> = byType<RoomServerMessage>(
  {
    room: shape<Of<'room'>>({
      type: exactly('room'),
      rid: optional(whole),
      room: str,
      access: oneOf(['read', 'write']),
      self: str,
      members: list(decodeMember),
      large: optional(bool),
      count: optional(whole),
    }),
    'room-update': shape<Of<'room-update'>>({
      type: exactly('room-update'),
      room: str,
      members: list(decodeMember),
      left: list(str),
      full: optional(exactly(true)),
    }),
    'room-count': shape<Of<'room-count'>>({ type: exactly('room-count'), room: str, count: whole, large: bool }),
    'room-rows': shape<Of<'room-rows'>>({
      type: exactly('room-rows'),
      rid: optional(whole),
      room: str,
      lane: optional(str),
      from: whole,
      ids: list(str),
      members: list(decodeMember),
      total: whole,
      count: whole,
    }),
    'room-event': shape<Of<'room-event'>>({ type: exactly('room-event'), room: str, userId: str, event: roomJson }),
  },
  'is not a room frame type',
);

/**
 * Reads a frame as a room frame, or says it is none (`null`, so other readers may take it).
 *
 * @example
 * ```ts
 * const parsed = readRoomMessage(event.data);
 * if (parsed?.ok) room.apply(parsed.value);
 * ```
 */
export function readRoomMessage(raw: unknown): ParseResult<RoomServerMessage> | null {
  // The server writes `type` first: a look at the start tells a room frame without parsing it.
  if (typeof raw !== 'string' || !raw.startsWith('{"type":"room')) return null;
  return decodeFrame(decodeRoomMessage, raw);
}
