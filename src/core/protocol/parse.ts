import * as v from 'valibot';
import { readJsonText } from './json.ts';

/** Request id: the server echoes it in the `ack` or `error` that answers the frame. */
export const RequestId = v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)));
/** A server sequence number: a change cursor. */
export const Seq = v.pipe(v.number(), v.integer(), v.minValue(0));

/**
 * The outcome of parsing one frame: the message, or a readable reason. `code` tells a frame that is not a
 * message at all (`bad-message`: not JSON, not an object, an unknown type, a prototype key) from a known
 * message with a refused field (`invalid-input`).
 */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string; code?: 'bad-message' | 'invalid-input' };

/**
 * Parses one frame's text as JSON, then validates it. `screen` may refuse the parsed JSON as no message
 * at all (the server's stricter checks, kept out of the client bundle) before the schema runs.
 */
export function parseFrame<T>(schema: v.GenericSchema<unknown, T>, raw: unknown, screen?: (json: unknown) => string | undefined): ParseResult<T> {
  const read = readJsonText(raw);
  if (!read.ok) return { ...read, code: 'bad-message' };
  const json = read.value;
  const refused = screen?.(json);
  if (refused) return { ok: false, code: 'bad-message', reason: refused };
  const parsed = parseWith(schema, json);
  return parsed.ok ? parsed : { ...parsed, code: 'invalid-input' };
}

/**
 * Validates any value against one of the protocol schemas, with the first issue as a readable reason.
 *
 * @example
 * ```ts
 * const parsed = parseWith(UserViewSchema, await response.json());
 * ```
 */
export function parseWith<T>(schema: v.GenericSchema<unknown, T>, value: unknown): ParseResult<T> {
  const result = v.safeParse(schema, value);
  if (result.success) return { ok: true, value: result.output };
  const issue = result.issues[0];
  const path = issue.path?.map((item) => String(item.key)).join('.');
  return { ok: false, reason: path ? `${path}: ${issue.message}` : issue.message };
}
