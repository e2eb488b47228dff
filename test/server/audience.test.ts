// audience: 'shared-rooms' (ChatKitty's rule): a user's global presence reaches only users who share a
// persistent room membership with them, on every path, and follows memberships as they change.
import { afterEach, describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { openRawSocket, rest, type RawSocket } from '../helpers.ts';

let server: TestServer | undefined;
const sockets: RawSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.ws.terminate();
  await server?.close();
  server = undefined;
});

const ids = (users: Array<{ id: string; presence: unknown }>) =>
  users
    .filter((user) => user.presence !== null)
    .map((user) => user.id)
    .sort();

async function settle(socket: RawSocket): Promise<void> {
  const t = Math.random();
  socket.send({ type: 'ping', t });
  await socket.next('pong', (message) => message.t === t);
}

const about = (socket: RawSocket, userId: string) =>
  socket.received.filter((message) => (message.type === 'presence' && message.userId === userId) || (message.type === 'user' && message.user.id === userId));

async function setUp(audience: 'everyone' | 'shared-rooms') {
  const srv = (server = await startTestServer({ users: ['ada', 'grace', 'linus'], audience }));
  const admin = { authorization: `Bearer ${srv.adminKey}` };
  for (const [room, user] of [
    ['channel:a', 'ada'],
    ['channel:a', 'grace'],
    ['channel:b', 'linus'],
  ] as const) {
    const put = await rest(srv.httpUrl, `/api/v1/rooms/${encodeURIComponent(room)}/members/${user}`, { method: 'PUT', headers: admin });
    expect(put.status).toBe(200);
  }
  for (const id of ['grace', 'linus']) srv.controls.connect(id);
  const token = srv.mintTokens('ada').accessToken;
  const ada = await openRawSocket(srv.wsUrl, token);
  sockets.push(ada);
  return { srv, admin, token, ada };
}

describe("audience: 'shared-rooms'", () => {
  test('REST: a user, the online filter and users.presence show co-members only', async () => {
    const { srv, token } = await setUp('shared-rooms');
    expect((await rest(srv.httpUrl, '/api/v1/users/grace', { token })).body.presence).toMatchObject({ online: true });
    const linus = (await rest(srv.httpUrl, '/api/v1/users/linus', { token })).body;
    // The profile is there (a directory), the presence is not.
    expect(linus).toMatchObject({ id: 'linus', presence: null, blockedByMe: false, hasBlockedMe: false });
    expect(ids((await rest(srv.httpUrl, '/api/v1/users?online=true', { token })).body.users)).toEqual(['ada', 'grace']);
    expect(ids((await rest(srv.httpUrl, '/api/v1/users.presence', { token })).body.users)).toEqual(['ada', 'grace']);
    // An admin sees everyone's public presence.
    expect((await rest(srv.httpUrl, '/api/v1/users/linus', { token: srv.adminKey })).body.presence).toMatchObject({ online: true });
  });

  test('socket: snapshot, live events and a delta carry co-members only', async () => {
    const { srv, ada } = await setUp('shared-rooms');
    ada.send({ type: 'subscribe', rid: 1, online: true, users: ['linus', 'grace'] });
    const snapshot = await ada.next('snapshot');
    expect(ids(snapshot.users)).toEqual(['ada', 'grace']);
    expect(snapshot.users.find((user) => user.id === 'linus')?.presence ?? null).toBeNull();

    srv.controls.setPresence('linus', { status: 'busy', statusMessage: 'not for ada' });
    srv.controls.setPresence('grace', { status: 'busy' });
    await ada.next('presence', (message) => message.userId === 'grace');
    await settle(ada);
    expect(about(ada, 'linus')).toEqual([]);

    ada.send({ type: 'catch-up', rid: 2, from: snapshot.seq });
    const delta = await ada.next('snapshot', (message) => message.rid === 2);
    expect(ids(delta.users)).toEqual(['grace']);
    expect(JSON.stringify(delta)).not.toContain('not for ada');
  });

  test('joining a room in common shows each to the other at once; leaving it hides them again', async () => {
    const { srv, admin, ada } = await setUp('shared-rooms');
    ada.send({ type: 'subscribe', rid: 1, online: true });
    await ada.next('snapshot');
    const linusToken = srv.mintTokens('linus').accessToken;
    const linus = await openRawSocket(srv.wsUrl, linusToken);
    sockets.push(linus);

    await rest(srv.httpUrl, '/api/v1/rooms/channel%3Aa/members/linus', { method: 'PUT', headers: admin });
    expect((await ada.next('user', (message) => message.user.id === 'linus')).user.presence).toMatchObject({ online: true });
    expect((await linus.next('user', (message) => message.user.id === 'ada')).user.presence).toMatchObject({ online: true });
    srv.controls.setPresence('linus', { status: 'away' });
    expect((await ada.next('presence', (message) => message.userId === 'linus')).presence).toMatchObject({ status: 'away' });

    // A second room in common, then leaving the first: they still share one, so nothing changes.
    await rest(srv.httpUrl, '/api/v1/rooms/channel%3Ab/members/ada', { method: 'PUT', headers: admin });
    await rest(srv.httpUrl, '/api/v1/rooms/channel%3Aa/members/linus', { method: 'DELETE', headers: admin });
    await settle(ada);
    ada.received.length = 0;
    srv.controls.setPresence('linus', { status: 'busy' });
    expect((await ada.next('presence', (message) => message.userId === 'linus')).presence).toMatchObject({ status: 'busy' });
    // Leaving the last room in common hides them from each other.
    await rest(srv.httpUrl, '/api/v1/rooms/channel%3Ab/members/ada', { method: 'DELETE', headers: admin });
    expect((await ada.next('user', (message) => message.user.id === 'linus')).user.presence).toBeNull();
    await settle(ada);
    ada.received.length = 0;
    srv.controls.setPresence('linus', { status: 'online' });
    await settle(ada);
    expect(about(ada, 'linus')).toEqual([]);
    expect((await rest(srv.httpUrl, '/api/v1/rooms/channel%3Ab/members', { headers: admin })).body).toEqual({ id: 'channel:b', members: ['linus'] });
  });

  test('membership routes are admin-only and refuse bad input with typed errors; memberships survive in the snapshot', async () => {
    const { srv, admin, token } = await setUp('shared-rooms');
    expect((await rest(srv.httpUrl, '/api/v1/rooms/channel%3Aa/members/ada', { method: 'PUT', token })).status).toBe(403);
    expect((await rest(srv.httpUrl, '/api/v1/rooms/channel%3Aa/members', { token })).status).toBe(403);
    const unknown = await rest(srv.httpUrl, '/api/v1/rooms/channel%3Aa/members/nobody', { method: 'PUT', headers: admin });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not-found']);
    const long = await rest(srv.httpUrl, `/api/v1/rooms/${'x'.repeat(129)}/members/ada`, { method: 'PUT', headers: admin });
    expect([long.status, long.body.error.code]).toEqual([400, 'bad-message']);
    const occupants = await rest(srv.httpUrl, '/api/v1/rooms/channel%3Aa', { headers: admin });
    expect(occupants.body).toEqual({ id: 'channel:a', occupants: [] });
    const { exportStore } = await import('../../src/server/cluster-snapshot.ts');
    expect(exportStore(srv.store).memberships?.sort()).toEqual([
      ['channel:a', 'ada'],
      ['channel:a', 'grace'],
      ['channel:b', 'linus'],
    ]);
  });
});

test("audience: 'everyone' (the default) ignores memberships", async () => {
  const { srv, token } = await setUp('everyone');
  expect(ids((await rest(srv.httpUrl, '/api/v1/users?online=true', { token })).body.users)).toEqual(['ada', 'grace', 'linus']);
});
