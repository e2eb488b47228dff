// Structural fuzzing of every input the server takes, against the CLI in its own process: nesting 1..30,000
// deep, width, long and duplicate keys, prototype keys at depth, edge numbers, lone surrogates, NUL, BOM,
// binary, fragmented, compressed and invalid UTF-8 frames, before and after auth; REST bodies, query strings
// and headers. After each batch the process must be alive and /health must answer.
import fc from 'fast-check';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { deliver, httpAsk, rawHttp, rawWebSocket, startCli, wireFrame, type CliProcess, type Delivery } from './fuzz-process.ts';

let cli: CliProcess;
const tokens: string[] = [];
const tally = new Map<string, number>();
const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);
// Attackers spread over loopback addresses, so per-address admission does not hide what a frame does.
const addresses = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);

beforeAll(async () => {
  cli = await startCli();
  const admin = { authorization: `Bearer ${cli.adminKey}`, 'content-type': 'application/json' };
  for (let i = 0; i < 8; i++) {
    const id = `fuzz-${i}`;
    await httpAsk(cli.port, { method: 'POST', path: '/api/v1/users', headers: admin, body: JSON.stringify({ id, username: id }) });
    const session = await httpAsk(cli.port, { method: 'POST', path: '/api/v1/sessions', headers: admin, body: JSON.stringify({ userId: id }) });
    tokens.push((JSON.parse(session.body) as { accessToken: string }).accessToken);
  }
}, 30_000);

afterAll(() => {
  cli?.stop();
  console.log(`fuzz answers: ${[...tally].map(([key, n]) => `${key} ×${n}`).join(', ')}`);
});

async function expectAlive(): Promise<void> {
  expect(cli.exited(), `the server exited; its log:\n${cli.log.slice(-20).join('\n')}`).toBe(false);
  const health = await httpAsk(cli.port, { method: 'GET', path: '/api/v1/health' });
  expect(health.status, `/health after the batch; log:\n${cli.log.slice(-20).join('\n')}`).toBe(200);
}

type ArbType<A> = A extends fc.Arbitrary<infer T> ? T : never;

// ---- JSON values of hostile structure, as text -----------------------------------------------------

const depth = fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 30_000 }), fc.constantFrom(4_999, 5_000, 10_000, 13_000, 16_000, 30_000));

/** A hostile JSON value, described small (a failure prints the description, not 60 KB of brackets). */
interface Hostile {
  shape: string;
  n: number;
}

const SHAPES: Record<string, (n: number) => string> = {
  arrays: (n) => '['.repeat(n) + '1' + ']'.repeat(n),
  objects: (n) => '{"k":'.repeat(n) + '1' + '}'.repeat(n),
  mixed: (n) => '[{"k":'.repeat(Math.ceil(n / 2)) + 'null' + '}]'.repeat(Math.ceil(n / 2)),
  unclosed: (n) => '['.repeat(n),
  'wide object': (n) => `{${Array.from({ length: Math.min(n, 50_000) }, (_, i) => `"${i.toString(36)}":0`).join(',')}}`,
  'duplicate keys': (n) => `{${'"a":1,'.repeat(Math.min(n, 13_000))}"a":2}`,
  'long key': (n) => `{"${'k'.repeat(Math.min(n * 3, 70_000))}":1}`,
  'proto at depth': (n) => '{"a":'.repeat(Math.min(n, 9_000)) + '{"__proto__":{"polluted":true}}' + '}'.repeat(Math.min(n, 9_000)),
  'constructor at depth': (n) => '[{"a":'.repeat(Math.min(n, 5_000)) + '{"constructor":{"prototype":{"polluted":true}}}' + '}]'.repeat(Math.min(n, 5_000)),
};
const SCALARS = [
  '1e309',
  '-1e309',
  '-0',
  '18446744073709551616',
  '1e-400',
  '123456789012345678901234567890',
  '0.1e99999',
  '"\\ud800"',
  '"\\udfff\\ud800"',
  '"\\u0000"',
  '"a\\u0000b"',
  '"\ufeff"',
  '"\u202e\u200b"',
  '""',
  'true',
  'null',
];

const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  fc.record({ shape: fc.constantFrom(...Object.keys(SHAPES)), n: depth }),
  fc.record({ shape: fc.constant('scalar'), n: fc.integer({ min: 0, max: SCALARS.length - 1 }) }),
);
const render = ({ shape, n }: Hostile): string => (shape === 'scalar' ? SCALARS[n]! : SHAPES[shape]!(n));

/** Where the hostile value goes: fields that take JSON, fields that do not, and the frame itself. */
const frameTemplates = (token: string): Array<(x: string) => string> => [
  (x) => `{"type":"ping","t":${x}}`,
  (x) => `{"type":"auth","token":"${token}","presence":{"custom":${x}}}`,
  (x) => `{"type":"auth","token":"${token}","presence":${x}}`,
  (x) => `{"type":"auth","token":${x}}`,
  (x) => `{"type":"subscribe","rid":1,"users":${x}}`,
  (x) => `{"type":"subscribe","rid":1,"online":true,"from":${x}}`,
  (x) => `{"type":"set-presence","rid":2,"patch":{"custom":${x}}}`,
  (x) => `{"type":"set-presence","rid":2,"patch":{"statusMessage":${x},"status":"busy"}}`,
  (x) => `{"type":"catch-up","rid":${x}}`,
  (x) => `{"type":"room-enter","rid":3,"room":"doc:1","presence":${x}}`,
  (x) => `{"type":"room-enter","rid":3,"room":${x}}`,
  (x) => `{"type":"room-presence","room":"doc:1","presence":${x}}`,
  (x) => `{"type":"room-broadcast","room":"doc:1","event":${x}}`,
  (x) => `{"type":${x}}`,
  (x) => `{"t":${x}}`,
  (x) => x,
  (x) => `\ufeff{"type":"ping","t":${x}}`,
];

const frameCase = fc.record({
  template: fc.integer({ min: 0, max: frameTemplates('').length - 1 }),
  value: hostile,
  how: fc.constantFrom<Delivery>('text', 'text', 'text', 'binary', 'fragmented', 'bytes'),
  from: fc.constantFrom(...addresses),
});

async function runFrame(c: ArbType<typeof frameCase>, token: string | undefined): Promise<void> {
  let payload: string | Buffer = frameTemplates(token ?? tokens[0]!)[c.template]!(render(c.value));
  // Invalid UTF-8 in a text frame: an encoded lone surrogate inside a string.
  if (c.how === 'bytes') payload = Buffer.concat([Buffer.from(payload.slice(0, -1)), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(payload.slice(-1))]);
  const answer = await deliver(cli.wsUrl, payload, c.how === 'bytes' ? 'text' : c.how, token, c.from);
  expect(answer, 'every frame is answered: a pong or a close').not.toBe('no answer');
  count(`${token ? 'after' : 'before'} auth: ${answer}`);
}

test('no frame stops the server, before auth: nesting, width, keys, numbers, encodings, framing', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(frameCase, { minLength: 4, maxLength: 8 }), async (cases) => {
      for (const c of cases) await runFrame(c, undefined);
      await expectAlive();
    }),
    { numRuns: 30, endOnFailure: true },
  );
}, 240_000);

test('no frame stops the server, after auth', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(frameCase, { minLength: 4, maxLength: 8 }), fc.integer({ min: 0, max: 7 }), async (cases, who) => {
      for (const c of cases) await runFrame(c, tokens[who]);
      await expectAlive();
    }),
    { numRuns: 30, endOnFailure: true },
  );
}, 240_000);

test('compressed, reserved-bit, unknown-opcode and oversized frames close the socket and nothing else', async () => {
  const deep = Buffer.from(`{"type":"ping","t":${'['.repeat(20_000)}${']'.repeat(20_000)}}`);
  const cases: Buffer[][] = [
    // permessage-deflate was never negotiated: RSV1 is a protocol error, the payload never inflated.
    [wireFrame(deflateRawSync(deep), { opcode: 1, rsv1: true })],
    [wireFrame(deflateRawSync(Buffer.alloc(10 * 1024 * 1024, 0x5b)), { opcode: 1, rsv1: true })],
    [wireFrame(Buffer.from('{"type":"ping"}'), { opcode: 3 })],
    [wireFrame(deep.subarray(0, 30_000), { opcode: 1, fin: false }), wireFrame(deep.subarray(30_000), { opcode: 0, fin: true })],
    [wireFrame(deep.subarray(0, 30_000), { opcode: 1, fin: false }), wireFrame(Buffer.from('x'), { opcode: 1 })],
    [wireFrame(Buffer.alloc(70_000, 0x5b), { opcode: 1 })],
    [wireFrame(Buffer.alloc(200, 0x5b), { opcode: 9 })],
  ];
  for (const frames of cases) {
    for (const from of addresses.slice(0, 2)) count(`raw frames: ${await rawWebSocket(cli.port, frames, from)}`);
    await expectAlive();
  }
}, 60_000);

// ---- REST: bodies, query strings, headers ---------------------------------------------------------

const bodyTemplates: Array<{ method: string; path: string; caller: 'user' | 'admin' | 'anyone'; body: (x: string) => string }> = [
  { method: 'PATCH', path: '/api/v1/me', caller: 'user', body: (x) => `{"metadata":${x}}` },
  { method: 'PATCH', path: '/api/v1/me', caller: 'user', body: (x) => `{"displayName":${x}}` },
  { method: 'PATCH', path: '/api/v1/me', caller: 'user', body: (x) => x },
  { method: 'POST', path: '/api/v1/users', caller: 'admin', body: (x) => `{"id":"x","username":"x","metadata":${x}}` },
  { method: 'POST', path: '/api/v1/auth/refresh', caller: 'anyone', body: (x) => `{"refreshToken":${x}}` },
  { method: 'POST', path: '/api/v1/guest-sessions', caller: 'anyone', body: (x) => `{"displayName":${x}}` },
  { method: 'PUT', path: '/api/v1/me/avatar', caller: 'user', body: (x) => `{"url":${x}}` },
  { method: 'PUT', path: '/api/v1/me/blocks/fuzz-1', caller: 'user', body: (x) => x },
];

const QUERY_VALUES = ['%', '%E0%A4%A', '%00', '%ED%A0%80', '%EF%BB%BF', '1e309', '-0', '18446744073709551616', '__proto__', 'constructor', '', 'a%5Bb%5D'];
const queryValue = fc.oneof(
  fc.record({ shape: fc.constant('brackets'), n: depth }),
  fc.record({ shape: fc.constant('long'), n: fc.integer({ min: 1, max: 20_000 }) }),
  fc.record({ shape: fc.constant('scalar'), n: fc.integer({ min: 0, max: QUERY_VALUES.length - 1 }) }),
);
const renderQuery = ({ shape, n }: Hostile): string =>
  shape === 'brackets' ? 'a' + '[b]'.repeat(Math.min(n, 2_000)) : shape === 'long' ? 'x'.repeat(n) : QUERY_VALUES[n]!;
const queryCase = fc.record({
  path: fc.constantFrom('/api/v1/users', '/api/v1/users.presence', '/api/v1/avatars/fuzz-1', '/api/v1/users/fuzz-1'),
  key: fc.constantFrom('search', 'tags', 'online', 'limit', 'cursor', 'from', 'v', '__proto__', 'role'),
  value: queryValue,
  repeat: fc.constantFrom(1, 1, 2, 1_000),
});

const headerCase = fc.oneof(
  fc.record({ kind: fc.constant('authorization' as const), value: fc.oneof(fc.string({ maxLength: 100 }), fc.integer({ min: 1, max: 20_000 }).map(String)) }),
  fc.record({
    kind: fc.constant('content-type' as const),
    value: fc.constantFrom('application/json; charset=utf-16', 'image/png', 'text/plain', 'application/json;;;', 'multipart/form-data; boundary=x', ''),
  }),
  fc.record({ kind: fc.constant('many' as const), value: fc.integer({ min: 1, max: 3_000 }).map(String) }),
  fc.record({
    kind: fc.constant('raw' as const),
    value: fc.constantFrom('nul', 'length-mismatch', 'bad-chunked', 'duplicate-length', 'bom-body', 'utf16-body'),
  }),
);

const restCase = fc.oneof(
  fc.record({
    kind: fc.constant('body' as const),
    template: fc.integer({ min: 0, max: bodyTemplates.length - 1 }),
    value: hostile,
    who: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({ kind: fc.constant('query' as const), query: queryCase, who: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('header' as const), header: headerCase, who: fc.integer({ min: 0, max: 7 }) }),
);

async function runRest(c: ArbType<typeof restCase>): Promise<void> {
  const from = addresses[c.who]!;
  const bearer = (caller: 'user' | 'admin' | 'anyone'): Record<string, string> =>
    caller === 'user' ? { authorization: `Bearer ${tokens[c.who]}` } : caller === 'admin' ? { authorization: `Bearer ${cli.adminKey}` } : {};
  let status: number;
  if (c.kind === 'body') {
    const template = bodyTemplates[c.template]!;
    const body = template.body(render(c.value));
    status = (
      await httpAsk(cli.port, {
        method: template.method,
        path: template.path,
        from,
        body,
        headers: { ...bearer(template.caller), 'content-type': 'application/json' },
      })
    ).status;
  } else if (c.kind === 'query') {
    const { path, key, value, repeat } = c.query;
    const query = Array.from({ length: repeat }, () => `${key}=${renderQuery(value)}`).join('&');
    status = (await httpAsk(cli.port, { method: 'GET', path: `${path}?${query}`.slice(0, 70_000), from, headers: bearer('user') })).status;
  } else {
    const { kind, value } = c.header;
    if (kind === 'raw') status = await rawHttp(cli.port, rawRequest(value, tokens[c.who]!), from);
    else if (kind === 'many') {
      const headers: Record<string, string> = { ...bearer('user') };
      for (let i = 0; i < Number(value); i++) headers[`x-h${i}`] = 'v';
      status = (await httpAsk(cli.port, { method: 'GET', path: '/api/v1/me', from, headers })).status;
    } else {
      const authorization = /^\d+$/.test(value) ? 'Bearer ' + 'A'.repeat(Number(value)) : value.replace(/[^\t\x20-\x7e]/g, '?');
      const headers: Record<string, string> = kind === 'authorization' ? { authorization } : { ...bearer('user'), 'content-type': value };
      status = (await httpAsk(cli.port, { method: 'PATCH', path: '/api/v1/me', from, headers, body: '{"statusMessage":"x"}' })).status;
    }
  }
  expect(status === 0 || status === 500, `REST answered ${status}`).toBe(false);
  count(`rest ${c.kind}: ${status}`);
}

function rawRequest(kind: string, token: string): Buffer {
  const head = `PATCH /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n`;
  switch (kind) {
    case 'nul':
      return Buffer.from(`GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \0${token}\r\n\r\n`, 'latin1');
    case 'length-mismatch':
      return Buffer.from(`${head}Content-Length: 5\r\n\r\n{"metadata":{}}`);
    case 'bad-chunked':
      return Buffer.from(`${head}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`);
    case 'duplicate-length':
      return Buffer.from(`${head}Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}`);
    case 'bom-body':
      return Buffer.concat([Buffer.from(`${head}Content-Length: 5\r\n\r\n`), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{}')]);
    default: {
      const body = Buffer.from('{"statusMessage":"x"}', 'utf16le');
      return Buffer.concat([Buffer.from(`${head}Content-Length: ${body.length}\r\n\r\n`), body]);
    }
  }
}

test('no REST body, query string or header stops the server or gets a 500', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(restCase, { minLength: 4, maxLength: 8 }), async (cases) => {
      for (const c of cases) await runRest(c);
      await expectAlive();
    }),
    { numRuns: 30, endOnFailure: true },
  );
}, 240_000);

test('nothing the fuzzing sent put a secret in the log', () => {
  const log = cli.log.join('\n');
  expect(log).not.toContain(cli.adminKey);
  for (const token of tokens) expect(log).not.toContain(token);
});
