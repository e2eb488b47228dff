// The client's hand-written decoders against the server's valibot schemas: for values built near the
// edge of every field (and broken in structure), each side accepts exactly what the other accepts, and
// an accepted value decodes to the schema's output. Nothing thrown, whatever the input.
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { decodeFrame, decodeValue, type Decoder } from '../../src/core/decode/decode.ts';
import { readServerMessage, decodeServerMessage } from '../../src/core/decode/messages.ts';
import { decodeSessionTokens, decodeUserView } from '../../src/core/decode/model.ts';
import { decodeRoomMessage, readRoomMessage } from '../../src/core/decode/rooms.ts';
import { decodePresenceDelta, decodeUserPage } from '../../src/core/decode/user-pages.ts';
import { EDITABLE_FIELDS } from '../../src/core/current-user.ts';
import { checkPresencePatch } from '../../src/core/presence-patch.ts';
import { ERROR_CODES } from '../../src/core/protocol/codes.ts';
import { ServerMessageSchema } from '../../src/core/protocol/messages.ts';
import { PresencePatchSchema, SessionTokensSchema, UserViewSchema } from '../../src/core/protocol/model.ts';
import { RoomServerMessageSchema } from '../../src/core/protocol/rooms.ts';
import { CALL_STATUSES, STATUSES, USER_KINDS } from '../../src/core/protocol/statuses.ts';
import { UpdateMeInputSchema } from '../../src/core/protocol/update-me.ts';
import { PresenceDeltaSchema, UserPageSchema } from '../../src/core/protocol/user-pages.ts';

const MISSING = Symbol('missing');
type Field = fc.Arbitrary<unknown>;

/** A value of the wrong kind for almost any field. */
const wrongKind: Field = fc.oneof(fc.constant(null), fc.integer(), fc.double(), fc.boolean(), fc.string({ maxLength: 4 }), fc.constant([]), fc.constant({}));

/** Mostly `good`, sometimes of the wrong kind or absent. */
function field(good: Field): Field {
  return fc.oneof({ weight: 80, arbitrary: good }, { weight: 1, arbitrary: wrongKind }, { weight: 1, arbitrary: fc.constant(MISSING) });
}

/** An object of these fields (absent ones left out), sometimes with a stray key or as an array. */
function object(fields: Record<string, Field>): Field {
  const record = fc.record(Object.fromEntries(Object.entries(fields).map(([key, arbitrary]) => [key, field(arbitrary)])));
  return fc
    .tuple(record, fc.option(fc.tuple(fc.constantFrom('extra', 'type', '__proto__', 'constructor', 'id'), fc.jsonValue({ maxDepth: 2 })), { freq: 8 }))
    .map(([values, extra]) => {
      const result: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(values)) if (value !== MISSING) result[key] = value;
      if (extra) Object.defineProperty(result, extra[0], { value: extra[1], enumerable: true, writable: true, configurable: true });
      return result;
    });
}

const list = (item: Field, maxLength = 3): Field => fc.array(item, { maxLength });
const nullable = (good: Field): Field => fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: fc.constant(null) });
const oneOf = (values: readonly string[]): Field =>
  fc.oneof({ weight: 20, arbitrary: fc.constantFrom(...values) }, { weight: 1, arbitrary: fc.constantFrom('', 'Online', 'gone') });

const id: Field = fc.oneof(
  { weight: 20, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,12}$/) },
  { weight: 1, arbitrary: fc.constantFrom('', 'a b', '-a', 'a'.repeat(64), 'a'.repeat(65), 'a'.repeat(128), 'a'.repeat(129), 'é') },
);
// Text the schemas clean: control, bidi, zero-width and joiner characters, runs of spaces, emoji.
const tricky = fc.constantFrom('\u202e', '\u200b', '\u200d', ' ', '  ', '\t', '\n', '\u0000', '👩‍💻', '\ufe0f', '\ud800', 'é', '\u3164', 'x');
const text: Field = fc.oneof(
  { weight: 12, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
  { weight: 3, arbitrary: fc.array(fc.oneof(tricky, fc.string({ maxLength: 3 })), { maxLength: 8 }).map((parts) => parts.join('')) },
  { weight: 1, arbitrary: fc.constantFrom('a'.repeat(100), 'a'.repeat(101), ' '.repeat(399) + 'a', 'a'.repeat(400), 'a'.repeat(401), '\u200b'.repeat(50)) },
);
const url: Field = fc.oneof(
  { weight: 12, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'HTTPS://Example.COM/a/../b',
      'http://x.test',
      'javascript:alert(1)',
      'https://u:p@x.test/',
      'data:image/png;base64,AA==',
      '/relative',
      'https://x.test/' + 'a'.repeat(2040),
      '',
    ),
  },
);
const timestamp: Field = fc.oneof(
  { weight: 20, arbitrary: fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((date) => date.toISOString()) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '2026-12-05 10:00:00+0100',
      '2026-13-01T00:00:00Z',
      '2026-12-05T24:00:00Z',
      '2026-12-05T10:00:00.1234567890Z',
      '2026-12-05',
      'yesterday',
    ),
  },
);
/** Application JSON near its limits: deep, large, and with keys that reach prototypes. */
const appJson = (maxBytes: number): Field =>
  fc.oneof(
    { weight: 6, arbitrary: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.integer({ min: 5, max: 10 }).map((depth) => JSON.parse('{"a":'.repeat(depth) + '1' + '}'.repeat(depth))) },
    { weight: 1, arbitrary: fc.constantFrom(-2, 0, 2).map((delta) => ({ s: 'x'.repeat(maxBytes - 8 + delta) })) },
    { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"x":1}}', '{"a":[{"constructor":1}]}', '{"prototype":2}').map((json) => JSON.parse(json)) },
  );

const user: Record<string, Field> = {
  id,
  username: id,
  displayName: text,
  avatarUrl: nullable(url),
  role: fc.string({ maxLength: 6 }),
  kind: oneOf(USER_KINDS),
  isGuest: fc.boolean(),
  tags: list(fc.string({ maxLength: 4 })),
  metadata: appJson(8 * 1024),
  profileUrl: nullable(url),
  createdAt: timestamp,
  updatedAt: timestamp,
  blockedAt: nullable(timestamp),
};
const presence = object({
  online: fc.boolean(),
  status: oneOf(STATUSES),
  statusMessage: nullable(text),
  statusEmoji: nullable(fc.constantFrom('☕', '👩🏽‍💻', 'hi')),
  statusExpiresAt: nullable(timestamp),
  custom: nullable(appJson(2 * 1024)),
  callStatus: oneOf(CALL_STATUSES),
  lastOnline: nullable(timestamp),
  utcOffset: nullable(fc.double({ noNaN: true, min: -20, max: 20 })),
  updatedAt: timestamp,
});
const userView = object({ ...user, presence: nullable(presence), blockedByMe: fc.boolean(), hasBlockedMe: fc.boolean() });
const seq: Field = fc.oneof({ weight: 5, arbitrary: fc.nat() }, { weight: 1, arbitrary: fc.constantFrom(-1, 1.5, 2 ** 53) });
const tag = (type: string): Field =>
  fc.oneof({ weight: 9, arbitrary: fc.constant(type) }, { weight: 1, arbitrary: fc.constantFrom('room', 'Welcome', 'toString', '__proto__') });

const serverFrame = fc.oneof(
  object({
    type: tag('welcome'),
    protocol: fc.string(),
    sessionId: fc.string(),
    me: userView,
    seq,
    serverTime: fc.string(),
    heartbeatMs: fc.double({ noNaN: true }),
  }),
  object({ type: tag('snapshot'), rid: seq, seq, full: fc.boolean(), users: list(userView), removed: list(fc.string()) }),
  object({ type: tag('presence'), seq, userId: fc.string(), presence: nullable(presence), user: object(user) }),
  object({ type: tag('self'), me: userView }),
  object({ type: tag('user'), seq, user: userView }),
  object({ type: tag('user-removed'), seq, userId: fc.string() }),
  object({ type: tag('ack'), rid: fc.double({ noNaN: true }) }),
  object({ type: tag('error'), rid: seq, code: oneOf(ERROR_CODES), message: fc.string(), retryAfterMs: fc.nat() }),
  object({ type: tag('pong'), t: fc.double({ noNaN: true }) }),
);

const roomJson = appJson(16 * 1024);
const member = object({
  userId: fc.string(),
  presence: nullable(roomJson),
  connections: list(object({ id: fc.string(), presence: nullable(roomJson), enteredAt: fc.string() })),
});
const roomFrame = fc.oneof(
  object({ type: tag('room'), rid: seq, room: fc.string(), access: oneOf(['read', 'write']), self: fc.string(), members: list(member) }),
  object({ type: tag('room-update'), room: fc.string(), members: list(member), left: list(fc.string()) }),
  object({ type: tag('room-event'), room: fc.string(), userId: fc.string(), event: roomJson }),
);

/** JSON as it arrives: what JSON.parse gives back (no -0, no undefined), own `__proto__` keys kept. */
const asReceived = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/**
 * Checks the decoder against the schema on every sample, and that the samples exercise both answers:
 * a property where everything is refused (or accepted) would hold however wrong the decoder were.
 */
function agree<T>(
  name: string,
  samples: Field,
  decode: Decoder<T>,
  schema: v.GenericSchema<unknown, unknown>,
  numRuns = 1500,
  types?: readonly string[],
): void {
  test(`${name}: the decoder accepts what the schema accepts, with the same value, and refuses the rest`, () => {
    // Per frame type, so that no type is only ever seen refused.
    const seen = new Map<unknown, { samples: number; accepted: number }>();
    fc.assert(
      fc.property(samples, (sample) => {
        const value = asReceived(sample);
        const expected = v.safeParse(schema, value);
        const actual = decodeValue(decode, value);
        if (!actual.ok) expect(actual.reason).not.toMatch(/^decoder failed/);
        expect({ ok: actual.ok, value: actual.ok ? actual.value : undefined }).toStrictEqual({
          ok: expected.success,
          value: expected.success ? expected.output : undefined,
        });
        const type = (value as { type?: unknown } | null)?.type;
        const kind = types ? (types.includes(type as string) ? type : 'another type') : name;
        const counts = seen.get(kind) ?? { samples: 0, accepted: 0 };
        counts.samples++;
        if (actual.ok) counts.accepted++;
        seen.set(kind, counts);
      }),
      { numRuns },
    );
    const rates = Object.fromEntries([...seen].filter(([kind]) => kind !== 'another type').map(([kind, c]) => [String(kind), c.accepted / c.samples]));
    expect(Object.keys(rates).length).toBe(types?.length ?? 1);
    if (process.env.DECODE_RATES) console.log(name, rates);
    for (const [kind, rate] of Object.entries(rates)) expect(rate, `share of ${kind} samples accepted`).toBeGreaterThan(0.05);
    const refused = [...seen.values()].reduce((sum, c) => sum + c.samples - c.accepted, 0);
    expect(refused / numRuns, 'share of samples refused').toBeGreaterThan(0.05);
  });
}

describe('decoders held to the schemas', () => {
  agree('server frames', serverFrame, decodeServerMessage, ServerMessageSchema, 3000, [
    'welcome',
    'snapshot',
    'presence',
    'self',
    'user',
    'user-removed',
    'ack',
    'error',
    'pong',
  ]);
  agree('room frames', roomFrame, decodeRoomMessage, RoomServerMessageSchema, 1500, ['room', 'room-update', 'room-event']);
  agree('a user view (REST)', userView, decodeUserView, UserViewSchema);
  agree('a page of users', object({ users: list(userView), nextCursor: nullable(fc.string()) }), decodeUserPage, UserPageSchema);
  agree(
    'a presence delta',
    object({
      users: list(userView, 2),
      removed: list(fc.string()),
      full: fc.boolean(),
      seq: fc.double({ noNaN: true }),
      serverTime: timestamp,
      success: fc.constantFrom(true, true, true, false),
    }),
    decodePresenceDelta,
    PresenceDeltaSchema,
  );
  agree(
    'session tokens',
    object({ userId: id, accessToken: fc.string(), refreshToken: fc.string(), accessTokenExpiresAt: timestamp }),
    decodeSessionTokens,
    SessionTokensSchema,
  );
});

describe('structure fuzz: no input throws', () => {
  test('any JSON value, and any text, is decoded or refused with a reason', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue({ maxDepth: 6 }), fc.anything({ maxDepth: 4 })), (value) => {
        const json = asReceived(value === undefined ? null : value);
        for (const decode of [decodeServerMessage, decodeRoomMessage, decodeUserView, decodeUserPage] as Decoder<unknown>[]) {
          const result = decodeValue(decode, json);
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.reason).not.toMatch(/^decoder failed/);
        }
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (raw) => {
        expect(() => readServerMessage(raw)).not.toThrow();
        expect(() => readRoomMessage('{"type":"room' + raw)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });

  test('depth, width and size: a frame nested a million levels, a million members, binary data', () => {
    const deep = '{"type":"room-event","room":"r","userId":"u","event":' + '['.repeat(1_000_000) + ']'.repeat(1_000_000) + '}';
    expect(readRoomMessage(deep)).toMatchObject({ ok: false, reason: expect.stringContaining('event must be JSON that fits the limits') });
    const wide = JSON.stringify({ type: 'snapshot', seq: 1, full: true, users: Array.from({ length: 100_000 }, () => 1), removed: [] });
    expect(readServerMessage(wide)).toMatchObject({ ok: false, reason: 'users.0 must be an object' });
    expect(readServerMessage(new Uint8Array([123, 125]))).toEqual({ ok: false, reason: 'frames must be JSON text, not binary' });
    expect(decodeFrame(decodeServerMessage, '{"type":"pong","t":1}')).toEqual({ ok: true, value: { type: 'pong', t: 1 } });
    expect(readServerMessage('{"type":"constructor"}')).toEqual({ ok: false, reason: 'type is not a frame type this client knows' });
    expect(readServerMessage('{"type":"__proto__"}')).toMatchObject({ ok: false });
  });

  test('an accepted user view is the cleaned one: text cleaned, URLs normalized, stray keys left behind', () => {
    const view = {
      id: 'ada',
      username: 'ada',
      displayName: ' Ada\u202e  Lovelace\u200b ',
      avatarUrl: 'HTTPS://Example.COM/a/../b.png',
      role: 'member',
      kind: 'person',
      isGuest: false,
      tags: [],
      metadata: {},
      profileUrl: null,
      createdAt: '2026-12-05T10:00:00.000Z',
      updatedAt: '2026-12-05T10:00:00.000Z',
      blockedAt: null,
      presence: null,
      blockedByMe: false,
      hasBlockedMe: false,
      password: 'leaked?',
    };
    const decoded = decodeValue(decodeUserView, view);
    expect(decoded).toMatchObject({ ok: true, value: { displayName: 'Ada Lovelace', avatarUrl: 'https://example.com/b.png' } });
    expect(decoded.ok && 'password' in decoded.value).toBe(false);
  });
});

describe('what the client checks before sending', () => {
  const patch = object({
    status: oneOf(['online', 'away', 'busy', 'invisible', 'offline']),
    statusMessage: nullable(fc.oneof(text, fc.constantFrom('a'.repeat(10_000), 'a'.repeat(10_001)))),
    statusEmoji: nullable(fc.constantFrom('☕', ' ☕ ', '', ' ', '👩🏽‍💻', '🇫🇷', '1️⃣', 'hi', '☕☕', '#')),
    statusExpiresAt: nullable(
      fc.oneof(
        fc.integer({ min: -1e9, max: 8 * 864e5 }).map((ms) => new Date(Date.now() + ms).toISOString()),
        fc.constantFrom('2026-02-31T00:00:00Z', 'soon'),
      ),
    ),
    custom: nullable(appJson(2 * 1024)),
    callStatus: oneOf(CALL_STATUSES),
    utcOffset: nullable(fc.oneof(fc.double({ noNaN: true, min: -13, max: 15 }), fc.constantFrom(-12, 14, -12.5, 14.5))),
  });

  test('checkPresencePatch refuses exactly what PresencePatchSchema refuses', () => {
    let accepted = 0;
    const numRuns = 2000;
    fc.assert(
      fc.property(patch, (sample) => {
        const value = asReceived(sample);
        const verdict = checkPresencePatch(value);
        expect(verdict === undefined).toBe(v.safeParse(PresencePatchSchema, value).success);
        if (verdict === undefined) accepted++;
      }),
      { numRuns },
    );
    expect(accepted / numRuns).toBeGreaterThan(0.1);
    expect(checkPresencePatch({ status: 'offline' })).toBe('status: must be one of online, away, busy, invisible');
  });

  test("a profile edit's fields are the schema's (the server checks their values)", () => {
    expect([...EDITABLE_FIELDS].sort()).toEqual(Object.keys(UpdateMeInputSchema.entries).sort());
  });
});
