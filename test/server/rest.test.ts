import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { makeJpeg, makePng, openRawSocket, rest } from '../helpers.ts';
import { CLOSE_CODES } from '../../src/core/protocol/index.ts';

let server: TestServer;
let admin: string;
beforeEach(async () => {
  server = await startTestServer({ users: ['ada', 'grace', 'linus'], guests: true, avatarHosts: ['example.com'] });
  admin = server.adminKey;
});
afterEach(async () => server.close());

const PNG = makePng();

describe('users (admin)', () => {
  test('creates a user (POST /v1/users) and refuses duplicates and bad input with typed errors', async () => {
    const created = await rest(server.httpUrl, '/api/v1/users', {
      method: 'POST',
      token: admin,
      json: { id: 'jane', username: 'jane@example.com', displayName: 'Jane Doe', metadata: { favoriteNumber: 42 }, tags: ['beta'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'jane', displayName: 'Jane Doe', metadata: { favoriteNumber: 42 }, kind: 'person', isGuest: false });
    expect(created.body.presence).toMatchObject({ online: false, status: 'offline', lastOnline: null });

    const again = await rest(server.httpUrl, '/api/v1/users', { method: 'POST', token: admin, json: { id: 'jane', username: 'other' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');

    const bad = await rest(server.httpUrl, '/api/v1/users', { method: 'POST', token: admin, json: { username: 'x', avatarUrl: 'javascript:alert(1)' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: 'invalid-input' });
    expect(bad.body.error.message).toContain('avatarUrl');
  });

  test('a user cannot use admin routes, nor change or delete another user', async () => {
    const { accessToken } = server.mintTokens('ada');
    const create = await rest(server.httpUrl, '/api/v1/users', { method: 'POST', token: accessToken, json: { username: 'mallory' } });
    expect(create.status).toBe(403);
    const patch = await rest(server.httpUrl, '/api/v1/users/grace', { method: 'PATCH', token: accessToken, json: { displayName: 'pwned' } });
    expect(patch.status).toBe(403);
    const del = await rest(server.httpUrl, '/api/v1/users/grace', { method: 'DELETE', token: accessToken });
    expect(del.status).toBe(403);
    expect(server.store.getUser('grace')?.displayName).toBe('grace');
  });

  test('deletes a user: their sessions stop working and they disappear', async () => {
    const { accessToken } = server.mintTokens('linus');
    const del = await rest(server.httpUrl, '/api/v1/users/linus', { method: 'DELETE', token: admin });
    expect(del.status).toBe(200);
    expect((await rest(server.httpUrl, '/api/v1/users/linus', { token: admin })).status).toBe(404);
    const me = await rest(server.httpUrl, '/api/v1/me', { token: accessToken });
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('revoked');
  });

  test('lists users with cursor pagination and filters (online, tags, role, search)', async () => {
    for (let i = 0; i < 7; i++) {
      server.controls.createUser({
        id: `u${i}`,
        username: `user${i}`,
        displayName: `Person ${i}`,
        tags: i % 2 ? ['odd'] : ['even'],
        role: i < 2 ? 'mod' : 'default',
      });
    }
    server.controls.connect('u3');
    const { accessToken } = server.mintTokens('ada');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { users: Array<{ id: string }>; nextCursor: string | null } } = await rest(
        server.httpUrl,
        `/api/v1/users?limit=4${cursor ? `&cursor=${cursor}` : ''}`,
        { token: accessToken },
      );
      seen.push(...page.body.users.map((user) => user.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['ada', 'grace', 'linus', 'u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6']);

    const ids = async (query: string) =>
      (await rest(server.httpUrl, `/api/v1/users?${query}`, { token: accessToken })).body.users.map((user: { id: string }) => user.id);
    expect(await ids('online=true')).toEqual(['u3']);
    expect(await ids('tags=odd')).toEqual(['u1', 'u3', 'u5']);
    expect(await ids('role=mod')).toEqual(['u0', 'u1']);
    expect(await ids('search=PERSON%205')).toEqual(['u5']);
    expect((await rest(server.httpUrl, '/api/v1/users?limit=1000', { token: accessToken })).body.error.code).toBe('invalid-input');
    expect((await rest(server.httpUrl, '/api/v1/users?cursor=%%%', { token: accessToken })).status).toBe(422);
  });
});

describe('me', () => {
  test('updates own profile but not role (CometChat updateCurrentUserDetails)', async () => {
    const { accessToken } = server.mintTokens('ada');
    const ok = await rest(server.httpUrl, '/api/v1/me', { method: 'PATCH', token: accessToken, json: { displayName: 'Ada Lovelace', metadata: { a: 1 } } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id: 'ada', displayName: 'Ada Lovelace', metadata: { a: 1 } });
    const role = await rest(server.httpUrl, '/api/v1/me', { method: 'PATCH', token: accessToken, json: { role: 'admin' } });
    expect(role.status).toBe(403);
    expect(server.store.getUser('ada')?.role).toBe('default');
    const taken = await rest(server.httpUrl, '/api/v1/me', { method: 'PATCH', token: accessToken, json: { username: 'grace' } });
    expect(taken.body.error.code).toBe('conflict');
  });

  test('uploads are checked whole and within 4096 px a side, and stored without EXIF, XMP, text or comments', async () => {
    const { accessToken } = server.mintTokens('ada');
    const put = (body: Uint8Array<ArrayBuffer>, type: string) =>
      rest(server.httpUrl, '/api/v1/me/avatar', { method: 'PUT', token: accessToken, body, headers: { 'content-type': type } });
    const stored = async () => Buffer.from(await (await fetch(`${server.httpUrl}/api/v1/avatars/ada`)).arrayBuffer()).toString('latin1');

    const tagged = makePng({
      chunks: [
        ['tEXt', 'Author\0Ada at 51.5N'],
        ['eXIf', 'MM\0*GPS 51.5N 0.1W'],
        ['tIME', '\x07\xea\x0c\x04\x00\x00\x00'],
      ],
    });
    expect((await put(tagged, 'image/png')).status).toBe(200);
    const png = await stored();
    expect(png).not.toContain('51.5N');
    expect(png).toContain('IDAT');
    expect(Buffer.from(png, 'latin1')).toEqual(Buffer.from(makePng()));

    expect((await put(makeJpeg(), 'image/jpeg')).status).toBe(200);
    const jpeg = await stored();
    expect(jpeg).not.toContain('GPS');
    expect(jpeg).not.toContain('a comment');
    expect(jpeg).toContain('JFIF');

    // A header claiming 100,000 × 100,000 px is refused, whatever the bytes behind it; so is a cut-off file.
    const bomb = await put(makePng({ width: 100_000, height: 100_000 }), 'image/png');
    expect(bomb.status).toBe(422);
    expect(bomb.body.error.message).toContain('100000 × 100000');
    expect((await put(makeJpeg({ width: 5000, height: 10 }), 'image/jpeg')).status).toBe(422);
    expect((await put(makePng().subarray(0, 40), 'image/png')).body.error.code).toBe('invalid-input');
    // Nothing stored was lost: the JPEG is still there.
    expect(await stored()).toBe(jpeg);
    const response = await fetch(`${server.httpUrl}/api/v1/avatars/ada`);
    expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  test('sets the display picture by upload (type and size checked) or by external URL', async () => {
    const { accessToken } = server.mintTokens('ada');
    const upload = await rest(server.httpUrl, '/api/v1/me/avatar', { method: 'PUT', token: accessToken, body: PNG, headers: { 'content-type': 'image/png' } });
    expect(upload.status).toBe(200);
    expect(upload.body.avatarUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/avatars\/ada\?v=1$/);
    const picture = await fetch(upload.body.avatarUrl);
    expect(picture.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await picture.arrayBuffer())).toEqual(PNG);

    const fake = await rest(server.httpUrl, '/api/v1/me/avatar', {
      method: 'PUT',
      token: accessToken,
      body: '<svg onload=alert(1)>',
      headers: { 'content-type': 'image/png' },
    });
    expect(fake.body.error.code).toBe('invalid-input');
    const svg = await rest(server.httpUrl, '/api/v1/me/avatar', {
      method: 'PUT',
      token: accessToken,
      body: '<svg/>',
      headers: { 'content-type': 'image/svg+xml' },
    });
    expect(svg.body.error.code).toBe('invalid-input');
    const huge = await rest(server.httpUrl, '/api/v1/me/avatar', {
      method: 'PUT',
      token: accessToken,
      body: new Uint8Array(1024 * 1024 + 1),
      headers: { 'content-type': 'image/png' },
    });
    expect(huge.status).toBe(413);

    const external = await rest(server.httpUrl, '/api/v1/me/avatar', { method: 'PUT', token: accessToken, json: { url: 'https://example.com/jane.png' } });
    expect(external.body.avatarUrl).toBe('https://example.com/jane.png');
    const unsafe = await rest(server.httpUrl, '/api/v1/me/avatar', {
      method: 'PUT',
      token: accessToken,
      json: { url: 'data:text/html,<script>alert(1)</script>' },
    });
    expect(unsafe.body.error.code).toBe('invalid-input');
    expect(server.store.getUser('ada')?.avatarUrl).toBe('https://example.com/jane.png');
    // A host nobody configured would learn who looks at ada, and when: refused, on both routes.
    for (const [path, method, json] of [
      ['/api/v1/me/avatar', 'PUT', { url: 'https://tracker.example.net/pixel.png' }],
      ['/api/v1/me', 'PATCH', { avatarUrl: 'https://tracker.example.net/pixel.png' }],
    ] as const) {
      const tracked = await rest(server.httpUrl, path, { method, token: accessToken, json });
      expect(tracked.status).toBe(403);
      expect(tracked.body.error.message).toContain('tracker.example.net');
    }
    expect(server.store.getUser('ada')?.avatarUrl).toBe('https://example.com/jane.png');
  });

  test('by default users may not point their avatar at any external host; an admin may', async () => {
    await server.close();
    server = await startTestServer({ users: ['ada'] });
    const { accessToken } = server.mintTokens('ada');
    const mine = await rest(server.httpUrl, '/api/v1/me', { method: 'PATCH', token: accessToken, json: { avatarUrl: 'https://example.com/ada.png' } });
    expect(mine.status).toBe(403);
    const admin = await rest(server.httpUrl, '/api/v1/users/ada', {
      method: 'PATCH',
      headers: { authorization: `Bearer ${server.adminKey}` },
      json: { avatarUrl: 'https://cdn.example.com/ada.png' },
    });
    expect(admin.status).toBe(200);
    expect(admin.body.avatarUrl).toBe('https://cdn.example.com/ada.png');
  });

  test('an uploaded picture is deleted when replaced; only its versioned URL is cached for good', async () => {
    const { accessToken } = server.mintTokens('ada');
    const upload = await rest(server.httpUrl, '/api/v1/me/avatar', { method: 'PUT', token: accessToken, body: PNG, headers: { 'content-type': 'image/png' } });
    const versioned = await fetch(upload.body.avatarUrl);
    expect(versioned.headers.get('cache-control')).toContain('immutable');
    const unversioned = await fetch(`${server.httpUrl}/api/v1/avatars/ada`);
    expect(unversioned.status).toBe(200);
    expect(unversioned.headers.get('cache-control')).toBe('no-cache');
    await rest(server.httpUrl, '/api/v1/me/avatar', { method: 'PUT', token: accessToken, body: PNG, headers: { 'content-type': 'image/png' } });
    expect((await fetch(upload.body.avatarUrl)).headers.get('cache-control')).toBe('no-cache');
    expect(server.store.getAvatar('ada')?.version).toBe(2);
    // Replaced by an external picture: the stored bytes go.
    await rest(server.httpUrl, '/api/v1/me', { method: 'PATCH', token: accessToken, json: { avatarUrl: 'https://example.com/ada.png' } });
    expect(server.store.getAvatar('ada')).toBeUndefined();
    expect((await fetch(`${server.httpUrl}/api/v1/avatars/ada`)).status).toBe(404);
  });

  test('URLs are stored normalized; credentials in them are refused', async () => {
    const { accessToken } = server.mintTokens('ada');
    const saved = await rest(server.httpUrl, '/api/v1/me', { method: 'PATCH', token: accessToken, json: { profileUrl: 'HTTPS://Example.COM/a/../ada' } });
    expect(saved.body.profileUrl).toBe('https://example.com/ada');
    const creds = await rest(server.httpUrl, '/api/v1/me/avatar', {
      method: 'PUT',
      token: accessToken,
      json: { url: 'https://bank.example@evil.example/a.png' },
    });
    expect(creds.body.error.code).toBe('invalid-input');
    const name = await rest(server.httpUrl, '/api/v1/me', { method: 'PATCH', token: accessToken, json: { displayName: '\u200b\u2060\u3164' } });
    expect(name.status).toBe(422);
    expect(name.body.error.message).toContain('displayName');
  });

  test('blocks: list, block, unblock; a blocked pair sees no presence of each other in REST', async () => {
    server.controls.connect('grace');
    const ada = server.mintTokens('ada').accessToken;
    const grace = server.mintTokens('grace').accessToken;
    expect((await rest(server.httpUrl, '/api/v1/users/grace', { token: ada })).body.presence.online).toBe(true);
    const blocked = await rest(server.httpUrl, '/api/v1/me/blocks/grace', { method: 'PUT', token: ada });
    expect(blocked.body).toMatchObject({ id: 'grace', blockedByMe: true, presence: null });
    expect((await rest(server.httpUrl, '/api/v1/me/blocks', { token: ada })).body.users.map((u: { id: string }) => u.id)).toEqual(['grace']);
    expect((await rest(server.httpUrl, '/api/v1/users/ada', { token: grace })).body).toMatchObject({ hasBlockedMe: true, presence: null });
    // A filter must not reveal what a block hides.
    expect((await rest(server.httpUrl, '/api/v1/users?online=true', { token: ada })).body.users).toEqual([]);
    const delta = await rest(server.httpUrl, '/api/v1/users.presence', { token: ada });
    expect(delta.body.users.find((u: { id: string }) => u.id === 'grace')?.presence ?? null).toBeNull();
    await rest(server.httpUrl, '/api/v1/me/blocks/grace', { method: 'DELETE', token: ada });
    expect((await rest(server.httpUrl, '/api/v1/users/grace', { token: ada })).body.presence.online).toBe(true);
  });
});

describe('sessions', () => {
  test('admin mints sessions; refresh rotates tokens; logout revokes', async () => {
    const minted = await rest(server.httpUrl, '/api/v1/sessions', { method: 'POST', token: admin, json: { userId: 'ada' } });
    expect(minted.body).toMatchObject({ userId: 'ada', accessToken: expect.any(String), refreshToken: expect.any(String) });
    const refreshed = await rest(server.httpUrl, '/api/v1/auth/refresh', { method: 'POST', json: { refreshToken: minted.body.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.accessToken).not.toBe(minted.body.accessToken);
    const out = await rest(server.httpUrl, '/api/v1/auth/logout', { method: 'POST', token: refreshed.body.accessToken });
    expect(out.status).toBe(200);
    const after = await rest(server.httpUrl, '/api/v1/me', { token: refreshed.body.accessToken });
    expect(after.body.error.code).toBe('revoked');
  });

  test('refresh rotation (OAuth 2.1): a replaced token works once within a minute; any other reuse revokes the session', async () => {
    await server.close();
    let now = Date.now();
    server = await startTestServer({ users: ['ada'], now: () => now });
    const refresh = (refreshToken: string) => rest(server!.httpUrl, '/api/v1/auth/refresh', { method: 'POST', json: { refreshToken } });
    const first = server.mintTokens('ada');
    const second = await refresh(first.refreshToken);
    expect(second.status).toBe(200);
    // The client never saw `second`: it retries with the token it has, once.
    now += 30_000;
    const retried = await refresh(first.refreshToken);
    expect(retried.status).toBe(200);
    expect((await rest(server.httpUrl, '/api/v1/me', { token: retried.body.accessToken })).status).toBe(200);
    // The normal path keeps rotating.
    const third = await refresh(retried.body.refreshToken);
    expect(third.status).toBe(200);
    const socket = await openRawSocket(server.wsUrl, third.body.accessToken);

    // A replay of the grace token (still inside its minute) is reuse: the whole session is revoked,
    // its live socket is closed with 4003, and its newest tokens stop working too.
    const replay = await refresh(first.refreshToken);
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('revoked');
    expect((await socket.closed).code).toBe(CLOSE_CODES.revoked);
    expect((await rest(server.httpUrl, '/api/v1/me', { token: third.body.accessToken })).body.error.code).toBe('revoked');
    expect((await refresh(third.body.refreshToken)).body.error.code).toBe('revoked');

    // A second session: its replaced token is refused after the minute, and that also revokes it.
    const other = server.mintTokens('ada');
    const rotated = await refresh(other.refreshToken);
    now += 61_000;
    expect((await refresh(other.refreshToken)).body.error.code).toBe('revoked');
    expect((await refresh(rotated.body.refreshToken)).body.error.code).toBe('revoked');
    // The lost token of a grace retry never opens a window of its own (a replay never re-arms it).
    const fourth = server.mintTokens('ada');
    const lost = await refresh(fourth.refreshToken);
    const again = await refresh(fourth.refreshToken);
    expect(again.status).toBe(200);
    expect((await refresh(lost.body.refreshToken)).body.error.code).toBe('revoked');
  });

  test('a stolen refresh token older than the 16 remembered rotations still revokes its session; a made-up one does not', async () => {
    await server.close();
    server = await startTestServer({ users: ['ada'] });
    const refresh = (refreshToken: string) => rest(server!.httpUrl, '/api/v1/auth/refresh', { method: 'POST', json: { refreshToken } });
    const stolen = server.mintTokens('ada');
    let current = stolen.refreshToken;
    for (let i = 0; i < 20; i++) current = (await refresh(current)).body.refreshToken;
    const socket = await openRawSocket(server.wsUrl, (await refresh(current)).body.accessToken);
    // A token of no session, and a token naming no session, are merely unknown.
    expect((await refresh('made-up')).body.error.code).toBe('unauthorized');
    expect((await refresh('00000000-0000-4000-8000-000000000000.x')).body.error.code).toBe('unauthorized');
    const replay = await refresh(stolen.refreshToken);
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('revoked');
    expect((await socket.closed).code).toBe(CLOSE_CODES.revoked);
  });

  test('an expired access token is told apart from an unknown one', async () => {
    await server.close();
    let now = Date.now();
    server = await startTestServer({ users: ['ada'], accessTokenTtlMs: 1000, now: () => now });
    const { accessToken } = server.mintTokens('ada');
    now += 1001;
    expect((await rest(server.httpUrl, '/api/v1/me', { token: accessToken })).body.error.code).toBe('token-expired');
    expect((await rest(server.httpUrl, '/api/v1/me', { token: 'nope' })).body.error.code).toBe('unauthorized');
    expect((await rest(server.httpUrl, '/api/v1/me')).status).toBe(401);
  });

  test('guest sessions create guest users, and are refused when disabled', async () => {
    const guest = await rest(server.httpUrl, '/api/v1/guest-sessions', { method: 'POST', json: { displayName: 'Visitor' } });
    expect(guest.status).toBe(200);
    expect(guest.body.user).toMatchObject({ isGuest: true, displayName: 'Visitor' });
    expect((await rest(server.httpUrl, '/api/v1/me', { token: guest.body.tokens.accessToken })).body.id).toBe(guest.body.user.id);
    await server.close();
    server = await startTestServer();
    const refused = await rest(server.httpUrl, '/api/v1/guest-sessions', { method: 'POST', json: {} });
    expect(refused.body.error.code).toBe('disabled');
  });
});

describe('hostile requests', () => {
  test('malformed JSON, oversized bodies and unknown routes get typed errors; the server keeps serving', async () => {
    const { accessToken } = server.mintTokens('ada');
    const badJson = await fetch(`${server.httpUrl}/api/v1/me`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: '{"displayName":',
    });
    expect(badJson.status).toBe(400);
    expect((await badJson.json()).error.code).toBe('bad-message');
    const big = await rest(server.httpUrl, '/api/v1/me', { method: 'PATCH', token: accessToken, json: { displayName: 'x'.repeat(70_000) } });
    expect(big.status).toBe(413);
    const proto = await rest(server.httpUrl, '/api/v1/me', {
      method: 'PATCH',
      token: accessToken,
      json: JSON.parse('{"metadata":{"__proto__":{"polluted":true}}}'),
    });
    // A prototype key is refused as a malformed body, before any schema sees it.
    expect(proto.status).toBe(400);
    expect(proto.body.error.code).toBe('bad-message');
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect((await rest(server.httpUrl, '/api/v1/nope', { token: accessToken })).body.error.code).toBe('not-found');
    expect((await rest(server.httpUrl, '/api/v1/health')).body).toEqual({ ok: true });
  });

  test('a disallowed Origin is refused when an allow-list is set', async () => {
    await server.close();
    server = await startTestServer({ users: ['ada'], allowedOrigins: ['https://app.example'] });
    const { accessToken } = server.mintTokens('ada');
    const evil = await rest(server.httpUrl, '/api/v1/me', { token: accessToken, headers: { origin: 'https://evil.example' } });
    expect(evil.status).toBe(403);
    const good = await rest(server.httpUrl, '/api/v1/me', { token: accessToken, headers: { origin: 'https://app.example' } });
    expect(good.status).toBe(200);
    expect(good.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });

  test('REST requests are rate limited per credential', async () => {
    const { accessToken } = server.mintTokens('ada');
    const statuses = await Promise.all(Array.from({ length: 150 }, () => rest(server.httpUrl, '/api/v1/me', { token: accessToken }).then((r) => r.status)));
    expect(statuses).toContain(429);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(100);
  });
});
