// The client's check of a status change before it is queued: the same rules as the server's
// PresencePatchSchema (a differential test holds them together), written plainly so the browser does
// not ship the schema library. A change refused here fails at once, not after it waited for a connection.
import { isEmoji } from './protocol/checks.ts';
import { checkJson } from './protocol/json.ts';
import { LIMITS } from './protocol/limits.ts';
import { CALL_STATUSES, CHOSEN_STATUSES } from './protocol/statuses.ts';
import { decodeValue, timestamp } from './decode/decode.ts';

type Rule = (value: NonNullable<unknown>) => boolean;

const isString = (value: unknown): value is string => typeof value === 'string';

// Each field's rule for a value other than undefined (absent) and, where `nullable`, null.
const RULES: Array<[key: string, rule: Rule, nullable: boolean, expected: string]> = [
  ['status', (value) => (CHOSEN_STATUSES as readonly unknown[]).includes(value), false, `one of ${CHOSEN_STATUSES.join(', ')}`],
  ['statusMessage', (value) => isString(value) && value.length <= LIMITS.statusMessageInput, true, `text of at most ${LIMITS.statusMessageInput} characters`],
  ['statusEmoji', (value) => isString(value) && (value.trim() === '' || isEmoji(value.trim())), true, 'a single emoji'],
  [
    'statusExpiresAt',
    (value) => decodeValue(timestamp, value).ok && Date.parse(value as string) - Date.now() <= LIMITS.statusExpiryMs,
    true,
    'an ISO 8601 timestamp at most 7 days ahead',
  ],
  ['custom', (value) => typeof checkJson(value, LIMITS.customBytes, LIMITS.jsonDepth) === 'number', true, `JSON of at most ${LIMITS.customBytes} bytes`],
  ['callStatus', (value) => (CALL_STATUSES as readonly unknown[]).includes(value), false, `one of ${CALL_STATUSES.join(', ')}`],
  ['utcOffset', (value) => typeof value === 'number' && value >= -12 && value <= 14, true, 'hours from UTC, -12 to 14'],
];

/**
 * Why a presence patch would be refused, or undefined when it is good to send.
 *
 * @example
 * ```ts
 * checkPresencePatch({ status: 'gone' }); // 'status: must be one of online, away, busy, invisible'
 * ```
 */
export function checkPresencePatch(patch: unknown): string | undefined {
  if (!patch || typeof patch !== 'object') return 'a presence patch must be an object';
  for (const [key, rule, nullable, expected] of RULES) {
    const value = (patch as Record<string, unknown>)[key];
    if (value === undefined || (nullable && value === null)) continue;
    if (value === null || !rule(value)) return `${key}: must be ${expected}`;
  }
  return undefined;
}
