// The client's reader of what its server sends. The server validates its input with the protocol's valibot
// schemas; the browser does not ship them. It reads frames and REST answers with these few hand-written
// decoders instead, held to the schemas by a differential property test (test/core/decode.test.ts): every
// value a schema accepts decodes to the same value here, anything else is refused, and nothing throws out.
import { checkJson, readJsonText } from '../protocol/json.ts';
import { LIMITS } from '../protocol/limits.ts';
import type { ParseResult } from '../protocol/parse.ts';

/**
 * Reads a value of one shape from parsed JSON, or throws a {@link Refusal} that names where it is wrong.
 * Only {@link decodeValue} and {@link decodeFrame} call one: they turn the refusal into a result.
 *
 * @example
 * ```ts
 * const decodeName: Decoder<string> = (value, path) => str(value, path).trim();
 * ```
 */
export type Decoder<T> = ((value: unknown, path: string) => T) & { optional?: true };

/** Why a value was refused: thrown inside the decoders, caught at their edge, never out of it. */
class Refusal {
  constructor(readonly reason: string) {}
}

/**
 * Refuses the value at `path`.
 *
 * @example
 * ```ts
 * if (value < 0) refuse(path, 'must not be negative');
 * ```
 */
export function refuse(path: string, expected: string): never {
  throw new Refusal(`${path || 'value'} ${expected}`);
}

/** @example `str('a', 'name') // 'a'` */
export const str: Decoder<string> = (value, path) => (typeof value === 'string' ? value : refuse(path, 'must be a string'));
/** @example `num(1.5, 'x') // 1.5` */
export const num: Decoder<number> = (value, path) => (typeof value === 'number' ? value : refuse(path, 'must be a number'));
/** @example `bool(true, 'online') // true` */
export const bool: Decoder<boolean> = (value, path) => (typeof value === 'boolean' ? value : refuse(path, 'must be a boolean'));
/** A sequence number or request id: a whole number, 0 or more. @example `whole(3, 'seq') // 3` */
export const whole: Decoder<number> = (value, path) =>
  Number.isInteger(value) && (value as number) >= 0 ? (value as number) : refuse(path, 'must be a whole number');

/**
 * Exactly this value: a frame's `type`, a `success: true`.
 *
 * @example
 * ```ts
 * const decodeOk = shape({ ok: exactly(true) });
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function exactly<T extends string | boolean>(expected: T): Decoder<T> {
  return (value, path) => (value === expected ? expected : refuse(path, `must be ${String(expected)}`));
}

/**
 * One of a list of strings.
 *
 * @example
 * ```ts
 * const decodeKind = oneOf(['person', 'bot'] as const);
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function oneOf<T extends string>(values: readonly T[]): Decoder<T> {
  return (value, path) => (values.includes(value as T) ? (value as T) : refuse(path, `must be one of ${values.join(', ')}`));
}

/** @example `nullable(str)(null, 'message') // null` */
/* @__NO_SIDE_EFFECTS__ */
export function nullable<T>(decode: Decoder<T>): Decoder<T | null> {
  return (value, path) => (value === null ? null : decode(value, path));
}

/** Absent or null both read as null (a field older servers do not send). @example `nullish(str)(undefined, 'emoji') // null` */
/* @__NO_SIDE_EFFECTS__ */
export function nullish<T>(decode: Decoder<T>): Decoder<T | null> {
  return (value, path) => (value == null ? null : decode(value, path));
}

/** A field that may be absent: {@link shape} then leaves it out. @example `shape({ rid: optional(whole) })` */
/* @__NO_SIDE_EFFECTS__ */
export function optional<T>(decode: Decoder<T>): Decoder<T> {
  return Object.assign((value: unknown, path: string) => decode(value, path), { optional: true as const });
}

/** @example `list(str)(['a'], 'removed') // ['a']` */
/* @__NO_SIDE_EFFECTS__ */
export function list<T>(decode: Decoder<T>): Decoder<T[]> {
  return (value, path) => (Array.isArray(value) ? value.map((item, index) => decode(item, `${path}.${index}`)) : refuse(path, 'must be an array'));
}

/**
 * An object of known fields, copied: fields it does not name are left behind, as the schemas leave them.
 *
 * @example
 * ```ts
 * const decodeAck = shape<{ type: 'ack'; rid: number }>({ type: oneOf(['ack']), rid: num });
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function shape<T>(fields: { [K in keyof T]-?: Decoder<T[K]> }): Decoder<T> {
  return (value, path) => {
    if (!value || typeof value !== 'object') refuse(path, 'must be an object');
    const result = {} as T;
    for (const key in fields) {
      const field = (value as Record<string, unknown>)[key];
      if (field !== undefined || !fields[key].optional) result[key] = fields[key](field, path ? `${path}.${key}` : key);
    }
    return result;
  };
}

/**
 * Application JSON (a status's `custom`, a user's `metadata`, a room presence): plain JSON within a byte
 * size and nesting depth, with no key that could reach a prototype. Kept as received, not copied.
 *
 * @example
 * ```ts
 * const decodeCustom = json(LIMITS.customBytes);
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function json<T>(maxBytes: number, objectOnly?: boolean): Decoder<T> {
  return (value, path) => {
    if (objectOnly && (!value || typeof value !== 'object' || Array.isArray(value))) refuse(path, 'must be a JSON object');
    const verdict = checkJson(value, maxBytes, LIMITS.jsonDepth);
    return typeof verdict === 'number' ? (value as T) : refuse(path, `must be JSON that fits the limits: it ${verdict}`);
  };
}

/**
 * A frame whose `type` picks its decoder from `frames` (kept in a null-prototype table, so no `type` can
 * reach `Object.prototype`); `unknown` says why any other is refused.
 *
 * @example
 * ```ts
 * const decodeFrame = byType({ ack: shape({ type: exactly('ack'), rid: num }) }, 'is not a known frame type');
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function byType<T>(frames: Record<string, Decoder<T>>, unknown: string): Decoder<T> {
  const table: Record<string, Decoder<T> | undefined> = Object.assign(Object.create(null) as object, frames);
  return (value, path) => {
    const type = (value as { type?: unknown } | null)?.type;
    const decode = typeof type === 'string' ? table[type] : undefined;
    return decode ? decode(value, path) : refuse(`${path}type`, unknown);
  };
}

// valibot's `isoTimestamp`, which the schemas use: the same text is accepted on both sides.
const ISO_TIMESTAMP =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:[12]\d|0[1-9]|3[01])[T ](?:0\d|1\d|2[0-3])(?::[0-5]\d){2}(?:\.\d{1,9})?(?:Z| ?[+-](?:0\d|1\d|2[0-3])(?::?[0-5]\d)?)$/u;

/** An ISO 8601 timestamp. @example `timestamp('2026-12-05T10:00:00.000Z', 'updatedAt')` */
export const timestamp: Decoder<string> = (value, path) =>
  ISO_TIMESTAMP.test(str(value, path)) ? (value as string) : refuse(path, 'must be an ISO timestamp');

/**
 * Decodes a parsed value, as a result: the value, or why it was refused.
 *
 * @example
 * ```ts
 * const parsed = decodeValue(decodeSessionTokens, JSON.parse(stored));
 * if (parsed.ok) use(parsed.value);
 * ```
 */
export function decodeValue<T>(decode: Decoder<T>, value: unknown): ParseResult<T> {
  try {
    return { ok: true, value: decode(value, '') };
  } catch (error) {
    // Anything but a refusal is a bug in a decoder (the property test looks for this reason): the frame
    // is still dropped, not thrown into the socket's event handler.
    return { ok: false, reason: error instanceof Refusal ? error.reason : `decoder failed: ${String(error)}` };
  }
}

/**
 * Decodes one frame's text: JSON first, then the decoder. A frame that is not text, not JSON or not of
 * the shape is refused, never thrown.
 *
 * @example
 * ```ts
 * const parsed = decodeFrame(decodeServerMessage, event.data);
 * ```
 */
export function decodeFrame<T>(decode: Decoder<T>, raw: unknown): ParseResult<T> {
  const read = readJsonText(raw);
  return read.ok ? decodeValue(decode, read.value) : read;
}
