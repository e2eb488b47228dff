import { afterEach, describe, expect, test } from 'vitest';
import type { ServerMessage } from '../../src/core/protocol/index.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { openRawSocket, rest, waitForStore, type RawSocket } from '../helpers.ts';

let server: TestServer;
afterEach(async () => server.close());

/** Everything a socket received about `userId`, in any frame. */
const about = (socket: RawSocket, userId: string) =>
  socket.received.filter((message) => JSON.stringify(message).includes(`"${userId}"`) && message.type !== 'welcome');

/** A round trip: every frame the server sent before it is in `received`. */
async function settle(...sockets: RawSocket[]): Promise<void> {
  for (const socket of sockets) {
    const t = Math.random();
    socket.send({ type: 'ping', t });
    await socket.next('pong', (message) => message.t === t);
  }
}

describe('a blocked pair sees nothing of each other on any path', () => {
  test('REST full and partial deltas, the online list, catch-up, live events, filters and removal', async () => {
    server = await startTestServer({ users: ['ada', 'eve', 'grace'] });
    const tokens = { ada: server.mintTokens('ada').accessToken, eve: server.mintTokens('eve').accessToken, grace: server.mintTokens('grace').accessToken };
    const ada = await openRawSocket(server.wsUrl, tokens.ada);
    const eve = await openRawSocket(server.wsUrl, tokens.eve);
    const grace = await openRawSocket(server.wsUrl, tokens.grace);
    for (const socket of [eve, grace]) socket.send({ type: 'subscribe', rid: 1, online: true });
    const before = await eve.next('snapshot');
    await grace.next('snapshot');
    const beforeTime = new Date().toISOString();

    expect((await rest(server.httpUrl, '/api/v1/me/blocks/eve', { method: 'PUT', token: tokens.ada })).status).toBe(200);
    // The relation change itself reaches both parties, with presence hidden.
    expect(await eve.next('user', (message) => message.user.id === 'ada')).toMatchObject({ user: { presence: null, hasBlockedMe: true } });
    const afterBlock = (await ada.next('user', (message) => message.user.id === 'eve')).seq;

    // Live: ada's status, profile and comings and goings never reach eve (grace sees all of them).
    eve.received.length = 0;
    ada.send({ type: 'set-presence', rid: 2, patch: { status: 'busy', statusMessage: 'secret' } });
    await ada.next('ack');
    await rest(server.httpUrl, '/api/v1/me', { method: 'PATCH', token: tokens.ada, json: { displayName: 'Ada (busy)' } });
    const adaTab = await openRawSocket(server.wsUrl, tokens.ada);
    adaTab.ws.close();
    await adaTab.closed;
    await settle(eve, grace);
    expect(about(eve, 'ada')).toEqual([]);
    expect(about(grace, 'ada').length).toBeGreaterThanOrEqual(2);

    // Snapshot, full REST delta, partial deltas (REST and socket) from after the block, list filters.
    eve.send({ type: 'subscribe', rid: 3, users: ['grace'], online: false });
    await eve.next('snapshot');
    const eveSecond = await openRawSocket(server.wsUrl, tokens.eve);
    eveSecond.send({ type: 'subscribe', rid: 4, online: true });
    const ids = (users: Array<{ id: string }>) => users.map((user) => user.id).sort();
    expect(ids((await eveSecond.next('snapshot')).users)).toEqual(['eve', 'grace']);
    expect(ids((await rest(server.httpUrl, '/api/v1/users.presence', { token: tokens.eve })).body.users)).toEqual(['eve', 'grace']);
    expect(ids((await rest(server.httpUrl, '/api/v1/users.presence', { token: tokens.ada })).body.users)).toEqual(['ada', 'grace']);
    eve.send({ type: 'catch-up', rid: 5, from: afterBlock });
    const partial = await eve.next('snapshot');
    expect(partial.full).toBe(false);
    expect(ids(partial.users)).not.toContain('ada');
    const partialRest = (await rest(server.httpUrl, `/api/v1/users.presence?from=${encodeURIComponent(new Date().toISOString())}`, { token: tokens.eve })).body;
    expect(ids(partialRest.users)).not.toContain('ada');
    expect(ids((await rest(server.httpUrl, '/api/v1/users?online=true', { token: tokens.eve })).body.users)).toEqual(['eve', 'grace']);

    // A cursor from before the block: the block is the change eve must learn (presence null), nothing more.
    eve.send({ type: 'catch-up', rid: 6, from: before.seq });
    const sinceBefore = (await eve.next('snapshot')).users.filter((user) => user.id === 'ada');
    expect(sinceBefore).toEqual([expect.objectContaining({ presence: null, hasBlockedMe: true })]);
    const restSinceBefore = (await rest(server.httpUrl, `/api/v1/users.presence?from=${encodeURIComponent(beforeTime)}`, { token: tokens.eve })).body;
    expect(restSinceBefore.users.filter((user: { id: string }) => user.id === 'ada')).toEqual([expect.objectContaining({ presence: null })]);

    // Removal reaches grace, not eve, live or in a delta.
    eve.received.length = 0;
    expect((await rest(server.httpUrl, '/api/v1/users/ada', { method: 'DELETE', token: server.adminKey })).status).toBe(200);
    expect((await grace.next('user-removed')).userId).toBe('ada');
    await settle(eve);
    expect(about(eve, 'ada')).toEqual([]);
    eve.send({ type: 'catch-up', rid: 7, from: afterBlock });
    expect((await eve.next('snapshot')).removed).toEqual([]);
  });
});

describe('an invisible user leaks nothing', () => {
  test('tabs, status and profile edits while invisible reach only their owner and take no sequence number', async () => {
    server = await startTestServer({ users: ['ada', 'grace'] });
    const tokens = { ada: server.mintTokens('ada').accessToken, grace: server.mintTokens('grace').accessToken };
    const ada = await openRawSocket(server.wsUrl, tokens.ada);
    const grace = await openRawSocket(server.wsUrl, tokens.grace);
    grace.send({ type: 'subscribe', rid: 1, online: true, users: ['ada'] });
    await grace.next('snapshot');
    ada.send({ type: 'set-presence', rid: 1, patch: { status: 'invisible' } });
    await ada.next('ack');
    const wentOffline = await grace.next('presence', (message) => message.userId === 'ada');
    expect(wentOffline.presence).toMatchObject({ online: false, status: 'offline' });
    const cursor = wentOffline.seq;

    grace.received.length = 0;
    // A second tab opens and closes, the status message changes, the profile is edited.
    const tab = await openRawSocket(server.wsUrl, tokens.ada);
    tab.ws.close();
    await tab.closed;
    ada.send({ type: 'set-presence', rid: 2, patch: { statusMessage: 'lurking' } });
    await ada.next('ack');
    expect((await rest(server.httpUrl, '/api/v1/me', { method: 'PATCH', token: tokens.ada, json: { displayName: 'Ada Incognito' } })).status).toBe(200);
    await settle(grace);
    expect(about(grace, 'ada')).toEqual([]);
    // The owner saw each of them, without a sequence number.
    const selves = ada.received.filter((message): message is Extract<ServerMessage, { type: 'self' }> => message.type === 'self');
    expect(selves.map((message) => [message.me.presence?.status, message.me.presence?.statusMessage, message.me.displayName]).at(-1)).toEqual([
      'invisible',
      'lurking',
      'Ada Incognito',
    ]);
    expect(selves.every((message) => !('seq' in message))).toBe(true);

    // Deltas and sequence numbers: nothing happened, as far as grace can tell.
    grace.send({ type: 'catch-up', rid: 2, from: cursor });
    const delta = await grace.next('snapshot');
    expect(delta).toMatchObject({ full: false, users: [], seq: cursor });
    const restDelta = (
      await rest(server.httpUrl, `/api/v1/users.presence?from=${encodeURIComponent(new Date(Date.now() - 5_000).toISOString())}`, { token: tokens.grace })
    ).body;
    expect(restDelta.users.find((user: { id: string }) => user.id === 'ada')).toMatchObject({
      displayName: 'ada',
      presence: { online: false, statusMessage: null },
    });
    expect(restDelta.seq).toBe(cursor);
    // REST shows others the profile as it was; the owner sees the edit.
    expect((await rest(server.httpUrl, '/api/v1/users/ada', { token: tokens.grace })).body.displayName).toBe('ada');
    expect((await rest(server.httpUrl, '/api/v1/users?search=incognito', { token: tokens.grace })).body.users).toEqual([]);
    expect((await rest(server.httpUrl, '/api/v1/me', { token: tokens.ada })).body.displayName).toBe('Ada Incognito');
    // The admin key sees what is stored (an admin's own edit must not look lost).
    expect((await rest(server.httpUrl, '/api/v1/users/ada', { token: server.adminKey })).body.displayName).toBe('Ada Incognito');

    // Visible again: grace gets the presence and the profile edited meanwhile, in one event.
    ada.send({ type: 'set-presence', rid: 3, patch: { status: 'online' } });
    const back = await grace.next('presence', (message) => message.userId === 'ada');
    expect(back).toMatchObject({ presence: { online: true, statusMessage: 'lurking' }, user: { displayName: 'Ada Incognito' } });
  });

  test('a user arriving invisible is never shown online, not even briefly', async () => {
    server = await startTestServer({ users: ['ada', 'grace'] });
    const grace = await openRawSocket(server.wsUrl, server.mintTokens('grace').accessToken);
    grace.send({ type: 'subscribe', rid: 1, online: true, users: ['ada'] });
    await grace.next('snapshot');
    const ada = await openRawSocket(server.wsUrl);
    ada.send({ type: 'auth', token: server.mintTokens('ada').accessToken, presence: { status: 'invisible' } });
    expect((await ada.next('welcome')).me.presence).toMatchObject({ online: true, status: 'invisible' });
    await settle(grace);
    expect(about(grace, 'ada')).toEqual([]);

    // The kit's client says so with auth when its status is (or is about to be) invisible.
    const client = server.clientFor('ada');
    void client.setStatus({ status: 'invisible' }).catch(() => {});
    client.connect();
    await waitForStore(client.state, (state) => state.status === 'connected');
    await waitForStore(client.store.userStore('ada'), (entry) => entry.presence?.status === 'invisible');
    await settle(grace);
    expect(about(grace, 'ada')).toEqual([]);
    expect(server.controls.presenceOf('ada').online).toBe(false);
  });
});
