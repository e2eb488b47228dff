// Field schemas shared by the protocol's messages and inputs. Not re-exported as a whole: the public
// ones are re-exported by model.ts, the rest stay internal to the protocol.
import * as v from 'valibot';
import { ID_PATTERN, isEmoji, normalizeUrl } from './checks.ts';
import { checkJson, type JsonValue } from './json.ts';
import { LIMITS } from './limits.ts';
import { cleanText } from './text.ts';

/** A user id: 1-128 characters of letters, digits and `_ . @ : -`, starting with a letter or digit. */
export const UserIdSchema = v.pipe(
  v.string(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(LIMITS.id, `must be at most ${LIMITS.id} characters`),
  v.regex(ID_PATTERN, 'may hold only letters, digits and _ . @ : -'),
);

export const UsernameSchema = v.pipe(
  v.string(),
  v.minLength(1, 'must not be empty'),
  v.maxLength(LIMITS.username, `must be at most ${LIMITS.username} characters`),
  v.regex(ID_PATTERN, 'may hold only letters, digits and _ . @ : -'),
);

/** Display text: cleaned of control and bidi characters; refused when empty or too long after cleaning. */
// Pure (it builds a schema), so a bundler drops the schemas an app never uses.
/* @__NO_SIDE_EFFECTS__ */
export function displayText(max: number) {
  return v.pipe(
    v.string(),
    v.maxLength(max * 4, `must be at most ${max} characters`),
    v.transform((text: string) => cleanText(text, Number.POSITIVE_INFINITY)),
    v.minLength(1, 'must not be empty'),
    v.maxLength(max, `must be at most ${max} characters`),
  );
}

export const SafeUrlSchema = v.pipe(
  v.string(),
  v.maxLength(LIMITS.url, `must be at most ${LIMITS.url} characters`),
  v.check((url: string) => normalizeUrl(url) !== null, 'must be an absolute http(s) URL without credentials'),
  v.transform((url: string) => normalizeUrl(url)!),
);

// Typed as a plain schema of T: valibot's inference over the recursive JsonValue type is too deep for
// consumers' type checkers (TS2589) when it is spelled out in the declarations.
/* @__NO_SIDE_EFFECTS__ */
export function jsonSchema<T extends JsonValue>(maxBytes: number, isShape: (value: unknown) => boolean = () => true): v.GenericSchema<unknown, T> {
  return v.custom<T>(
    (value) => isShape(value) && typeof checkJson(value, maxBytes, LIMITS.jsonDepth) === 'number',
    (issue) => {
      const verdict = checkJson(issue.input, maxBytes, LIMITS.jsonDepth);
      return isShape(issue.input) ? `must be JSON that fits the limits: it ${String(verdict)}` : 'must be a JSON object';
    },
  );
}

export const MetadataSchema = jsonSchema<Record<string, JsonValue>>(
  LIMITS.metadataBytes,
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
);

export const CustomSchema = jsonSchema(LIMITS.customBytes);

export const TagsSchema = v.pipe(v.array(displayText(LIMITS.tag)), v.maxLength(LIMITS.tags, `must hold at most ${LIMITS.tags} tags`));

export const TimestampSchema = v.pipe(v.string(), v.isoTimestamp());

/** Status message: cleaned, then cut to {@link LIMITS.statusMessage} characters; `null` or '' clears it. */
export const StatusMessageSchema = v.nullable(
  v.pipe(
    v.string(),
    v.maxLength(LIMITS.statusMessageInput, `must be at most ${LIMITS.statusMessageInput} characters`),
    v.transform((text: string) => cleanText(text, LIMITS.statusMessage) || null),
  ),
);

/** A status emoji: one emoji (see {@link isEmoji}); `null` or '' clears it. */
export const StatusEmojiSchema = v.nullable(
  v.pipe(
    v.string(),
    v.transform((text: string) => text.trim() || null),
    v.nullable(v.pipe(v.string(), v.check(isEmoji, 'must be a single emoji'))),
  ),
);

/**
 * When a status message and emoji clear themselves: an ISO timestamp at most {@link LIMITS.statusExpiryMs}
 * ahead (checked against the sender's clock; the server clamps to its own), written back in UTC.
 */
export const StatusExpiresAtSchema = v.nullable(
  v.pipe(
    v.string(),
    v.isoTimestamp('must be an ISO 8601 timestamp'),
    v.check((at: string) => Date.parse(at) - Date.now() <= LIMITS.statusExpiryMs, 'must be at most 7 days ahead'),
    v.transform((at: string) => new Date(at).toISOString()),
  ),
);

export const UtcOffsetSchema = v.pipe(v.number(), v.minValue(-12), v.maxValue(14));
