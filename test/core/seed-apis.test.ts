import { afterEach, describe, expect, test, vi } from 'vitest';
import { PresenceError, type PresenceClient, type SessionEvent, type StatusUpdate, type UserView } from '../../src/core/index.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { makePng, rest, waitForStatus, waitForStore, waitForUser } from '../helpers.ts';

let server: TestServer;
afterEach(async () => server.close());

async function connected(userId: string): Promise<PresenceClient> {
  const client = server.clientFor(userId);
  client.connect();
  await waitForStatus(client, 'connected');
  return client;
}

describe('RelayBox: getUser(id) and its listeners', () => {
  test('onConnect, onDisconnect, onConnectionEvent and onStatusUpdate({ status, updatedAt, user })', async () => {
    server = await startTestServer({ users: ['ada', 'grace'] });
    const ada = await connected('ada');
    const grace = await ada.getUser('grace');
    expect(grace.current).toMatchObject({ id: 'grace', presence: { online: false } });

    const events: string[] = [];
    const updates: StatusUpdate[] = [];
    grace.onConnect((user) => events.push(`connect:${user.presence?.status}`));
    grace.onDisconnect((user) => events.push(`disconnect:${user.presence?.status}`));
    const stopConnection = grace.onConnectionEvent((user) => events.push(`event:${String(user.presence?.online)}`));
    grace.onStatusUpdate((update) => updates.push(update));

    server.controls.connect('grace');
    await waitForUser(ada, 'grace', (entry) => entry.presence?.online === true);
    server.controls.setPresence('grace', { status: 'busy', statusMessage: 'Deep work', custom: { emoji: '🎧' } });
    await waitForUser(ada, 'grace', (entry) => entry.presence?.status === 'busy');
    stopConnection();
    server.controls.disconnect('grace');
    await waitForUser(ada, 'grace', (entry) => entry.presence?.online === false);

    expect(events).toEqual(['connect:online', 'event:true', 'disconnect:offline']);
    expect(updates.map((update) => [update.status, update.statusMessage])).toEqual([
      ['online', null],
      ['busy', 'Deep work'],
      ['offline', 'Deep work'],
    ]);
    expect(updates[1]).toMatchObject({ custom: { emoji: '🎧' }, user: { id: 'grace' }, updatedAt: expect.any(String) });
  });

  test('an unknown id rejects with not-found', async () => {
    server = await startTestServer({ users: ['ada'] });
    const ada = server.clientFor('ada');
    await expect(ada.getUser('nobody')).rejects.toMatchObject({ code: 'not-found', status: 404 });
  });
});

describe('ChatKitty: current user', () => {
  test('getCurrentUser, onCurrentUserChanged (fires at once), updateCurrentUser(fn | patch)', async () => {
    server = await startTestServer({ users: ['ada'] });
    const ada = server.clientFor('ada');
    const seen: Array<UserView | null> = [];
    const unsubscribe = ada.onCurrentUserChanged((user) => seen.push(user));
    expect(seen).toEqual([null]);
    ada.connect();
    await waitForStatus(ada, 'connected');
    expect((await ada.getCurrentUser()).id).toBe('ada');
    expect(seen.at(-1)).toMatchObject({ id: 'ada', presence: { online: true } });
    // One call per distinct value: null once (before connect), never twice.
    expect(seen.filter((user) => user === null)).toHaveLength(1);
    expect(seen[1]).toMatchObject({ id: 'ada' });

    // (The type tests register { plan } as the metadata type for the whole program: this one is untyped JSON.)
    const updated = await ada.updateCurrentUser((user) => {
      user.metadata = { ...user.metadata, 'favorite-number': 42 } as never;
      return user;
    });
    expect(updated.metadata).toEqual({ 'favorite-number': 42 });
    await ada.updateCurrentUser({ displayName: 'Ada Lovelace' });
    await waitForUser(ada, 'ada', (entry) => entry.user?.displayName === 'Ada Lovelace');
    expect(seen.at(-1)).toMatchObject({ displayName: 'Ada Lovelace', metadata: { 'favorite-number': 42 } });

    // The late subscriber is called at once with the current value.
    const late: Array<UserView | null> = [];
    ada.onCurrentUserChanged((user) => late.push(user))();
    expect(late).toEqual([expect.objectContaining({ id: 'ada', displayName: 'Ada Lovelace' })]);

    // An updater may return a partial patch that leaves role alone.
    const patched = await ada.updateCurrentUser((user) => ({ metadata: { ...user.metadata, plan: 'pro' } }));
    expect(patched.metadata).toEqual({ 'favorite-number': 42, plan: 'pro' });
    await expect(ada.updateCurrentUser((user) => ({ ...user, role: 'admin' }))).rejects.toMatchObject({ code: 'forbidden' });
    // A patch naming role is refused as REST refuses it, not silently dropped.
    await expect(ada.updateCurrentUser({ role: 'admin', displayName: 'Boss' } as never)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(ada.updateCurrentUser({ displayName: '' })).rejects.toMatchObject({ code: 'invalid-input' });
    expect(server.store.getUser('ada')).toMatchObject({ role: 'default', displayName: 'Ada Lovelace' });
    const count = seen.length;
    unsubscribe();
    await ada.updateCurrentUser({ displayName: 'Countess' });
    expect(seen.length).toBe(count);
  });

  test('updateCurrentUserDisplayPicture by upload or by external URL; unsafe URLs refused', async () => {
    server = await startTestServer({ users: ['ada'], avatarHosts: ['example.com'] });
    const ada = server.clientFor('ada');
    const png = new Blob([makePng()], { type: 'image/png' });
    const uploaded = await ada.updateCurrentUserDisplayPicture({ file: png });
    expect(uploaded.avatarUrl).toContain('/api/v1/avatars/ada?v=1');
    const external = await ada.updateCurrentUserDisplayPicture({ file: { url: 'https://example.com/files/jane.png' } });
    expect(external.avatarUrl).toBe('https://example.com/files/jane.png');
    await expect(ada.updateCurrentUserDisplayPicture({ url: 'javascript:alert(1)' })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(ada.updateCurrentUserDisplayPicture({ file: new Blob(['<svg/>'], { type: 'image/svg+xml' }) })).rejects.toMatchObject({
      code: 'invalid-input',
    });
  });

  test('onUserPresenceChanged hears everyone online coming and going', async () => {
    server = await startTestServer({ users: ['ada', 'grace', 'linus'] });
    const ada = await connected('ada');
    const changes: string[] = [];
    ada.onUserPresenceChanged(({ user, presence }) => changes.push(`${user.id}:${presence?.status}`));
    // A round trip: the server handles frames in order, so the subscription is live once this is acknowledged.
    await ada.setStatus({ status: 'online' });
    server.controls.connect('grace');
    await waitForUser(ada, 'grace', (entry) => entry.presence?.online === true);
    server.controls.connect('linus');
    await waitForUser(ada, 'linus', (entry) => entry.presence?.online === true);
    server.controls.setPresence('grace', { status: 'away' });
    server.controls.disconnect('linus');
    await waitForUser(ada, 'linus', (entry) => entry.presence?.online === false);
    expect(changes.filter((change) => !change.startsWith('ada:'))).toEqual(['grace:online', 'linus:online', 'grace:away', 'linus:offline']);
    expect([...ada.onlineUserIds()].sort()).toEqual(['ada', 'grace']);
  });

  test('guest sessions: a guest user starts a session without an account', async () => {
    server = await startTestServer({ guests: true });
    const guest = await rest(server.httpUrl, '/api/v1/guest-sessions', { method: 'POST', json: { displayName: 'Visitor' } });
    const client = server.clientFor(guest.body.user.id, { session: guest.body.tokens });
    client.connect();
    await waitForStatus(client, 'connected');
    expect(await client.getCurrentUser()).toMatchObject({ isGuest: true, displayName: 'Visitor' });
  });
});

describe('CometChat: users, lists and blocking', () => {
  test('listUsers pages with a cursor and filters', async () => {
    server = await startTestServer({ users: ['ada', 'grace', { id: 'bot', username: 'helper', kind: 'bot', tags: ['automation'] }] });
    server.controls.connect('grace');
    const ada = server.clientFor('ada');
    const first = await ada.listUsers({ limit: 2 });
    expect(first.users.map((user) => user.id)).toEqual(['ada', 'bot']);
    const second = await ada.listUsers({ limit: 2, cursor: first.nextCursor });
    expect(second).toMatchObject({ users: [{ id: 'grace' }], nextCursor: null });
    expect((await ada.listUsers({ online: true })).users.map((user) => user.id)).toEqual(['grace']);
    expect((await ada.listUsers({ tags: ['automation'] })).users.map((user) => user.kind)).toEqual(['bot']);
    expect((await ada.listUsers({ search: 'HELP' })).users.map((user) => user.id)).toEqual(['bot']);
    await expect(ada.listUsers({ limit: 0 })).rejects.toBeInstanceOf(PresenceError);
  });

  test('block and unblock: hasBlockedMe / blockedByMe, and presence hidden both ways, live', async () => {
    server = await startTestServer({ users: ['ada', 'grace'] });
    const ada = await connected('ada');
    const grace = await connected('grace');
    const stopAda = ada.retainUser('grace');
    const stopGrace = grace.retainUser('ada');
    await waitForUser(ada, 'grace', (entry) => entry.presence?.online === true);
    await waitForUser(grace, 'ada', (entry) => entry.presence?.online === true);

    await ada.blockUser('grace');
    expect((await ada.getBlockedUsers()).map((user) => user.id)).toEqual(['grace']);
    await waitForUser(ada, 'grace', (entry) => entry.blockedByMe && entry.presence === null);
    await waitForUser(grace, 'ada', (entry) => entry.hasBlockedMe && entry.presence === null);
    const heard: string[] = [];
    grace.onUserPresenceChanged(({ user }) => heard.push(user.id));
    await ada.setStatus({ status: 'busy' });
    server.controls.connect('linus-is-not-a-user');
    await grace.setStatus({ status: 'away' });
    expect(grace.peekUser('ada')?.presence).toBeNull();
    expect(ada.peekUser('grace')?.presence).toBeNull();
    expect(heard).not.toContain('ada');

    await ada.unblockUser('grace');
    await waitForUser(grace, 'ada', (entry) => entry.presence?.status === 'busy');
    await waitForUser(ada, 'grace', (entry) => entry.presence?.status === 'away');
    stopAda();
    stopGrace();
  });

  test('a user cannot change another user: admin routes refuse, presence only ever targets the sender', async () => {
    server = await startTestServer({ users: ['ada', 'grace'] });
    const ada = await connected('ada');
    await ada.setStatus({ status: 'busy', statusMessage: 'mine' });
    expect(server.controls.presenceOf('grace').status).toBe('offline');
    expect(server.controls.presenceOf('ada')).toMatchObject({ status: 'busy', statusMessage: 'mine' });
    const token = ada.session.accessToken!;
    expect((await rest(server.httpUrl, '/api/v1/users/grace', { method: 'PATCH', token, json: { displayName: 'x' } })).status).toBe(403);
  });
});

describe('Realm: session', () => {
  test('state, listeners, refreshCustomData and logOut', async () => {
    server = await startTestServer({ users: [{ id: 'ada', username: 'ada', metadata: { plan: 'pro' } }] });
    const ada = await connected('ada');
    expect(ada.session.state).toBe('logged-in');
    expect(ada.session.customData).toEqual({ plan: 'pro' });
    const events: SessionEvent[] = [];
    const listener = (event: SessionEvent) => events.push(event);
    ada.session.addListener(listener);
    await rest(server.httpUrl, '/api/v1/users/ada', { method: 'PATCH', token: server.adminKey, json: { metadata: { plan: 'team' } } });
    expect(await ada.session.refreshCustomData()).toEqual({ plan: 'team' });
    const ignored = () => events.push({ type: 'removed' });
    ada.session.addListener(ignored);
    ada.session.removeListener(ignored);
    await ada.session.logOut();
    expect(ada.session.state).toBe('logged-out');
    expect(ada.state.getState().status).toBe('disconnected');
    expect(events).toEqual([{ type: 'custom-data-refreshed', customData: { plan: 'team' } }, { type: 'logged-out' }]);
    await vi.waitUntil(() => server.controls.connectionCount('ada') === 0);
    expect(server.controls.presenceOf('ada').online).toBe(false);
    await expect(ada.setStatus({ status: 'away' })).rejects.toMatchObject({ code: 'revoked' });
    ada.session.removeAllListeners();
  });

  test("a deleted user's session becomes 'removed'", async () => {
    server = await startTestServer({ users: ['ada'] });
    const ada = await connected('ada');
    const events: SessionEvent[] = [];
    ada.session.addListener((event) => events.push(event));
    await rest(server.httpUrl, '/api/v1/users/ada', { method: 'DELETE', token: server.adminKey });
    await waitForStore(ada.state, (state) => state.session !== 'logged-in');
    expect(ada.session.state).toBe('removed');
    expect(events).toEqual([{ type: 'removed' }]);
  });

  test('an expired access token is refreshed with the refresh token, over REST and on reconnect', async () => {
    let now = Date.now();
    server = await startTestServer({ users: ['ada'], accessTokenTtlMs: 60_000, now: () => now });
    const ada = server.clientFor('ada');
    const events: SessionEvent[] = [];
    ada.session.addListener((event) => events.push(event));
    const firstToken = ada.session.accessToken;
    now += 61_000;
    expect((await ada.getCurrentUser()).id).toBe('ada');
    expect(ada.session.accessToken).not.toBe(firstToken);
    now += 61_000;
    ada.connect();
    await waitForStatus(ada, 'connected');
    expect(events.filter((event) => event.type === 'token-refreshed')).toHaveLength(2);
  });
});

describe('Rocket.Chat: getPresence({ from })', () => {
  test('full without from; only changes since from (full: false); full again when from is too old', async () => {
    let now = Date.now();
    server = await startTestServer({ users: ['ada', 'grace', 'linus'], now: () => now });
    server.controls.connect('grace');
    const ada = server.clientFor('ada');
    const all = await ada.getPresence();
    expect(all.full).toBe(true);
    expect(all.users.map((user) => user.id)).toEqual(['grace']);
    expect(ada.peekUser('grace')?.presence?.online).toBe(true);

    now += 1000;
    const from = new Date(now);
    now += 1000;
    server.controls.connect('linus');
    const delta = await ada.getPresence({ from });
    expect(delta).toMatchObject({ full: false, users: [{ id: 'linus', presence: { online: true } }] });

    now += 11 * 60_000;
    expect((await ada.getPresence({ from })).full).toBe(true);
  });
});
