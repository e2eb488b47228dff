// The online list at scale: past `announceMax` its watchers get counts and the changes of the users they
// watch by name or in a window; windows are told of changes inside their rows only; counts are exact and
// never count anyone hidden from the viewer.
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

/** People named so that the list's order is p00, p01, ... (all online unless told otherwise). */
const people = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `p${String(i).padStart(2, '0')}`, username: `p${i}`, displayName: `Person ${i}` }));

async function settle(socket: RawSocket): Promise<void> {
  const t = Math.random();
  socket.send({ type: 'ping', t });
  await socket.next('pong', (message) => message.t === t);
}

async function setUp(options: { announceMax: number; online: number; audience?: 'everyone' | 'shared-rooms' }) {
  const srv = (server = await startTestServer({
    users: ['ada', ...people(12)],
    announceMax: options.announceMax,
    onlineTickMs: 10,
    ...(options.audience ? { audience: options.audience } : {}),
  }));
  for (const person of people(options.online)) srv.controls.connect(person.id);
  const ada = await openRawSocket(srv.wsUrl, srv.mintTokens('ada').accessToken);
  sockets.push(ada);
  return { srv, ada };
}

const presenceOf = (socket: RawSocket, userId: string) => socket.received.filter((message) => message.type === 'presence' && message.userId === userId);

describe('occupancy mode', () => {
  test('past announceMax the watcher is told first, then hears only whom it watches; back under, it is told again and lists everyone', async () => {
    // ada herself is online too: 4 + ada = 5 = announceMax, still listed in full.
    const { srv, ada } = await setUp({ announceMax: 5, online: 4 });
    ada.send({ type: 'subscribe', rid: 1, online: true, users: ['p10'] });
    const snapshot = await ada.next('snapshot');
    expect(
      snapshot.users
        .filter((user) => user.presence?.online)
        .map((user) => user.id)
        .sort(),
    ).toEqual(['ada', 'p00', 'p01', 'p02', 'p03']);
    // The mode comes first in either mode (a client back after the list shrank learns it is small).
    expect(ada.received.findIndex((message) => message.type === 'online-count')).toBe(0);
    expect(await ada.next('online-count')).toEqual({ type: 'online-count', counts: { online: 5, away: 0, busy: 0 }, large: false });
    srv.controls.setPresence('p00', { statusMessage: 'small list' });
    await ada.next('presence', (message) => message.userId === 'p00');

    // The sixth person online makes it large: the count comes before anything else about them.
    srv.controls.connect('p04');
    const switched = await ada.next('online-count');
    expect(switched).toEqual({ type: 'online-count', counts: { online: 6, away: 0, busy: 0 }, large: true });
    const countAt = ada.received.length;
    srv.controls.setPresence('p01', { status: 'busy' });
    srv.controls.connect('p10');
    await ada.next('presence', (message) => message.userId === 'p10');
    await settle(ada);
    // Nothing about p04 (came online as the switch happened) or p01 (not watched); p10 watched by name.
    expect(presenceOf(ada, 'p04')).toEqual([]);
    expect(presenceOf(ada, 'p01')).toEqual([]);
    expect(ada.received.slice(0, countAt).some((message) => message.type === 'presence' && message.userId === 'p04')).toBe(false);
    // The counts follow, exact, at most once a second.
    const counts = await ada.next('online-count');
    expect(counts).toEqual({ type: 'online-count', counts: { online: 6, away: 0, busy: 1 }, large: true });

    // A new watcher of a large list gets the counts and no list.
    const grace = await openRawSocket(srv.wsUrl, srv.mintTokens('p05').accessToken);
    sockets.push(grace);
    grace.send({ type: 'subscribe', rid: 1, online: true });
    expect((await grace.next('online-count')).large).toBe(true);
    expect((await grace.next('snapshot')).users.filter((user) => user.id !== 'p05')).toEqual([]);

    // Back to 4 (nine tenths of 5, rounded down, is 4): listed in full again.
    for (const id of ['p04', 'p10', 'p00']) srv.controls.disconnect(id);
    grace.ws.terminate();
    const back = await ada.next('online-count', (message) => !message.large);
    expect(back.counts).toEqual({ online: 3, away: 0, busy: 1 });
    srv.controls.setPresence('p02', { statusMessage: 'heard again' });
    await ada.next('presence', (message) => message.userId === 'p02');
    ada.send({ type: 'subscribe', rid: 2, online: true });
    // Already subscribed: a fresh full list comes from a catch-up without cursor.
    ada.send({ type: 'catch-up', rid: 3 });
    const full = await ada.next('snapshot', (message) => message.rid === 3);
    expect(
      full.users
        .filter((user) => user.presence?.online)
        .map((user) => user.id)
        .sort(),
    ).toEqual(['ada', 'p01', 'p02', 'p03']);
  });
});

describe('windows', () => {
  test('rows in the stable order; told of changes inside the window only; the users in it are watched', async () => {
    const { srv, ada } = await setUp({ announceMax: 3, online: 10 });
    srv.controls.setPresence('p01', { status: 'away' });
    srv.controls.setPresence('p02', { status: 'busy' });
    ada.send({ type: 'subscribe', rid: 1, online: true });
    await ada.next('online-count');
    ada.send({ type: 'online-window', rid: 2, from: 0, count: 3 });
    const first = await ada.next('online-rows');
    // Online by name (Ada before Person 0), then away, then busy.
    expect(first).toMatchObject({ rid: 2, from: 0, ids: ['ada', 'p00', 'p03'], counts: { online: 9, away: 1, busy: 1 } });
    expect(first.users.map((user) => user.id)).toEqual(['ada', 'p00', 'p03']);

    // A change far below the window: no rows frame; a presence change of a row in it: a presence frame.
    srv.controls.setPresence('p09', { statusMessage: 'outside' });
    srv.controls.setPresence('p03', { statusMessage: 'inside' });
    await ada.next('presence', (message) => message.userId === 'p03');
    await settle(ada);
    expect(presenceOf(ada, 'p09')).toEqual([]);
    expect(ada.received.filter((message) => message.type === 'online-rows')).toEqual([]);

    // p00 goes away: it leaves the window, p04 enters (with its view; p03 was sent already).
    srv.controls.setPresence('p00', { status: 'away' });
    const moved = await ada.next('online-rows');
    expect(moved.ids).toEqual(['ada', 'p03', 'p04']);
    expect(moved.users.map((user) => user.id)).toEqual(['p04']);
    expect(moved.rid).toBeUndefined();
    await settle(ada);
    // p00 is out of the window now: its next change does not come.
    ada.received.length = 0;
    srv.controls.setPresence('p00', { statusMessage: 'gone from view' });
    srv.controls.setPresence('p04', { statusMessage: 'in view' });
    await ada.next('presence', (message) => message.userId === 'p04');
    expect(presenceOf(ada, 'p00')).toEqual([]);

    // A window further down, and a search (server side): counts are of the matches.
    ada.send({ type: 'online-window', rid: 3, from: 8, count: 5 });
    expect(await ada.next('online-rows', (message) => message.rid === 3)).toMatchObject({ ids: ['p00', 'p01', 'p02'] });
    ada.send({ type: 'online-window', rid: 4, from: 0, count: 5, query: '  PERSON 1' });
    // Display name or username, any case, trimmed: Person 1 (away); Person 10 and 11 are offline.
    const searched = await ada.next('online-rows', (message) => message.rid === 4);
    expect(searched).toMatchObject({ ids: ['p01'], counts: { online: 0, away: 1, busy: 0 } });
    ada.send({ type: 'online-window', rid: 5, from: 0, count: 5, query: 'nobody' });
    expect(await ada.next('online-rows', (message) => message.rid === 5)).toMatchObject({ ids: [], counts: { online: 0, away: 0, busy: 0 } });
    // count 0 ends the window.
    ada.send({ type: 'online-window', rid: 6, from: 0, count: 0 });
    expect((await ada.next('online-rows', (message) => message.rid === 6)).ids).toEqual([]);
  });

  test('windows and counts never hold anyone hidden from the viewer: blocks either way, invisible users', async () => {
    const { srv, ada } = await setUp({ announceMax: 3, online: 6 });
    const token = srv.mintTokens('ada').accessToken;
    ada.send({ type: 'online-window', rid: 1, from: 0, count: 10 });
    expect((await ada.next('online-rows')).counts).toEqual({ online: 7, away: 0, busy: 0 });
    // ada blocks p01; p02 blocks ada; p03 goes invisible.
    expect((await rest(srv.httpUrl, '/api/v1/me/blocks/p01', { method: 'PUT', token })).status).toBeLessThan(300);
    expect((await rest(srv.httpUrl, '/api/v1/me/blocks/ada', { method: 'PUT', token: srv.mintTokens('p02').accessToken })).status).toBeLessThan(300);
    srv.controls.setPresence('p03', { status: 'invisible' });
    let rows = await ada.next('online-rows');
    while (rows.ids.includes('p03') || rows.ids.includes('p01') || rows.ids.includes('p02')) rows = await ada.next('online-rows');
    expect(rows.ids).toEqual(['ada', 'p00', 'p04', 'p05']);
    // Counts catch up within a second.
    while (rows.counts.online !== 4) rows = await ada.next('online-rows');
    expect(rows.counts).toEqual({ online: 4, away: 0, busy: 0 });
    const listed = ada.received.flatMap((message) => (message.type === 'online-rows' ? [...message.ids, ...message.users.map((user) => user.id)] : []));
    expect(listed.filter((id) => ['p01', 'p02', 'p03'].includes(id))).toEqual([]);
    expect(ada.received.filter((message) => message.type === 'presence' && ['p01', 'p02'].includes(message.userId))).toEqual([]);
    ada.send({ type: 'subscribe', rid: 2, online: true });
    expect((await ada.next('online-count')).counts).toEqual({ online: 4, away: 0, busy: 0 });
  });

  test("under the 'shared-rooms' audience a viewer counts and lists only the people who share a room with them", async () => {
    const { srv, ada } = await setUp({ announceMax: 3, online: 6, audience: 'shared-rooms' });
    const admin = { authorization: `Bearer ${srv.adminKey}` };
    for (const user of ['ada', 'p02', 'p04']) {
      expect((await rest(srv.httpUrl, `/api/v1/rooms/team/members/${user}`, { method: 'PUT', headers: admin })).status).toBe(200);
    }
    ada.send({ type: 'online-window', rid: 1, from: 0, count: 10 });
    expect(await ada.next('online-rows')).toMatchObject({ ids: ['ada', 'p02', 'p04'], counts: { online: 3, away: 0, busy: 0 } });
    ada.send({ type: 'subscribe', rid: 2, online: true });
    expect((await ada.next('online-count')).counts).toEqual({ online: 3, away: 0, busy: 0 });
  });

  test('bad windows are refused with a typed error and change nothing', async () => {
    const { ada } = await setUp({ announceMax: 3, online: 4 });
    ada.send({ type: 'online-window', rid: 1, from: 0, count: 2 });
    await ada.next('online-rows');
    for (const [rid, frame] of [
      [2, { from: -1, count: 2 }],
      [3, { from: 0, count: 201 }],
      [4, { from: 1.5, count: 2 }],
      [5, { from: 0, count: 2, query: 'x'.repeat(65) }],
      [6, { from: 0, count: 2, query: { $ne: 1 } }],
      [7, { from: 2e6, count: 2 }],
    ] as const) {
      ada.send({ type: 'online-window', rid, ...frame });
      expect(await ada.next('error', (message) => message.rid === rid)).toMatchObject({ code: 'invalid-input' });
    }
    ada.send({ type: 'online-window', rid: 8, from: 1, count: 1 });
    expect(await ada.next('online-rows', (message) => message.rid === 8)).toMatchObject({ ids: ['p00'] });
  });
});
