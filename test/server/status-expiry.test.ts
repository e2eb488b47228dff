// A status emoji, and a status message that clears itself ("clear after 30 minutes"), as Slack and
// GitHub have them: set by the user, seen by others live and in snapshots, cleared by the server on time.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { applyPatch, expireStatus, newPresenceRecord, republish } from '../../src/server/presence-state.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';
import { openRawSocket, rest, type RawSocket } from '../helpers.ts';

let server: TestServer | undefined;
const byUser = (id: string) => (message: { userId: string }) => message.userId === id;
const MINUTE = 60_000;
const inMinutes = (minutes: number) => new Date(Date.now() + minutes * MINUTE).toISOString();

afterEach(async () => {
  vi.useRealTimers();
  await server?.close();
  server = undefined;
});

/**
 * Ada watches Grace; both connected. Timers are fake so the half hour passes at once; heartbeats are
 * set far apart, since no pong can travel while fake time jumps an hour.
 */
async function watching(): Promise<{ s: TestServer; ada: RawSocket; grace: RawSocket }> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  const s = (server = await startTestServer({ users: ['ada', 'grace'], limits: { heartbeatMs: 24 * 60 * MINUTE } }));
  const grace = await openRawSocket(s.wsUrl, s.mintTokens('grace').accessToken);
  const ada = await openRawSocket(s.wsUrl, s.mintTokens('ada').accessToken);
  ada.send({ type: 'subscribe', users: ['grace'] });
  await ada.next('snapshot');
  return { s, ada, grace };
}

async function setPresence(socket: RawSocket, rid: number, patch: Record<string, unknown>) {
  socket.send({ type: 'set-presence', rid, patch });
  await socket.next('ack', (ack) => ack.rid === rid);
}

describe('status emoji and clear after', () => {
  test('others see the emoji and when it clears; on time the message and emoji clear for everyone, live and over REST', async () => {
    const { s, ada, grace } = await watching();
    const expiresAt = inMinutes(30);
    await setPresence(grace, 1, { statusMessage: 'Lunch', statusEmoji: '🍔', statusExpiresAt: expiresAt });
    const set = await ada.next('presence', byUser('grace'));
    expect(set.presence).toMatchObject({ statusMessage: 'Lunch', statusEmoji: '🍔', statusExpiresAt: expiresAt, status: 'online' });

    await vi.advanceTimersByTimeAsync(29 * MINUTE);
    expect(s.controls.presenceOf('grace').statusMessage).toBe('Lunch');
    await vi.advanceTimersByTimeAsync(MINUTE);
    const cleared = await ada.next('presence', byUser('grace'));
    expect(cleared.presence).toMatchObject({ statusMessage: null, statusEmoji: null, statusExpiresAt: null, status: 'online', online: true });
    expect(cleared.seq).toBeGreaterThan(set.seq);
    const own = await grace.next('presence', (m) => m.userId === 'grace' && m.presence?.statusMessage === null);
    expect(own.presence).toMatchObject({ statusEmoji: null, statusExpiresAt: null });
    const viaRest = await rest(s.httpUrl, '/api/v1/users/grace', { token: s.mintTokens('ada').accessToken });
    expect(viaRest.body.presence).toMatchObject({ statusMessage: null, statusEmoji: null, statusExpiresAt: null });
  });

  test('a new message without an expiry keeps: the earlier expiry no longer applies', async () => {
    const { s, grace } = await watching();
    await setPresence(grace, 1, { statusMessage: 'Lunch', statusEmoji: '🍔', statusExpiresAt: inMinutes(30) });
    await setPresence(grace, 2, { statusMessage: 'Writing', statusEmoji: '✍️' });
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    expect(s.controls.presenceOf('grace')).toMatchObject({ statusMessage: 'Writing', statusEmoji: '✍️', statusExpiresAt: null });
    // A status change alone keeps the message and its expiry.
    await setPresence(grace, 3, { statusMessage: 'Call', statusExpiresAt: inMinutes(10) });
    await setPresence(grace, 4, { status: 'busy' });
    expect(s.controls.presenceOf('grace')).toMatchObject({ status: 'busy', statusMessage: 'Call', statusEmoji: '✍️' });
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(s.controls.presenceOf('grace')).toMatchObject({ status: 'busy', statusMessage: null, statusEmoji: null });
  });

  test('an expiry already past (a change queued while offline) clears the message at once', async () => {
    const { s, grace } = await watching();
    await setPresence(grace, 1, { statusMessage: 'Lunch' });
    await setPresence(grace, 2, { statusMessage: 'Back soon', statusExpiresAt: inMinutes(-5) });
    expect(s.controls.presenceOf('grace')).toMatchObject({ statusMessage: null, statusExpiresAt: null });
  });

  test('a bad emoji or expiry is refused with invalid-input, and the stored status stays as it was', async () => {
    const { s, grace } = await watching();
    await setPresence(grace, 1, { statusMessage: 'Lunch', statusEmoji: '🍔' });
    const refused: Array<Record<string, unknown>> = [
      { statusEmoji: 'hi' },
      { statusEmoji: '🍔🍟' },
      { statusEmoji: '<img src=x onerror=alert(1)>' },
      { statusEmoji: '🍔'.repeat(40) },
      { statusEmoji: 42 },
      { statusExpiresAt: 'tomorrow' },
      { statusExpiresAt: inMinutes(8 * 24 * 60) },
    ];
    let rid = 10;
    for (const patch of refused) {
      grace.send({ type: 'set-presence', rid: ++rid, patch: { statusMessage: 'Hacked', ...patch } });
      const error = await grace.next('error', (e) => e.rid === rid);
      expect(error.code, JSON.stringify(patch)).toBe('invalid-input');
    }
    expect(s.controls.presenceOf('grace')).toMatchObject({ statusMessage: 'Lunch', statusEmoji: '🍔' });
    // What is accepted: flags, keycaps, skin tones and joined sequences, each one emoji.
    for (const emoji of ['🇫🇷', '1️⃣', '👍🏽', '👩🏽‍💻', '☕']) await setPresence(grace, ++rid, { statusEmoji: emoji });
    expect(s.controls.presenceOf('grace').statusEmoji).toBe('☕');
    // '' clears, like the message.
    await setPresence(grace, ++rid, { statusEmoji: '' });
    expect(s.controls.presenceOf('grace').statusEmoji).toBeNull();
  });

  test('invisible and offline users: expiry clears what others were shown and betrays nothing else', async () => {
    const { s, ada, grace } = await watching();
    await setPresence(grace, 1, { statusMessage: 'Lunch', statusEmoji: '🍔', statusExpiresAt: inMinutes(30) });
    await ada.next('presence', byUser('grace'));
    await setPresence(grace, 2, { status: 'invisible' });
    expect((await ada.next('presence', byUser('grace'))).presence).toMatchObject({ online: false, status: 'offline' });
    // Set while invisible: others never saw it, so its expiry shows them nothing.
    await setPresence(grace, 3, { statusMessage: 'Secret', statusExpiresAt: inMinutes(10) });
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(s.controls.presenceOf('grace')).toMatchObject({ statusMessage: 'Lunch', online: false });
    expect(ada.received.filter((m) => m.type === 'presence' && m.userId === 'grace')).toEqual([]);
    // The published "Lunch" expires on its own schedule: others see it go, and still offline.
    await vi.advanceTimersByTimeAsync(20 * MINUTE);
    const cleared = await ada.next('presence', byUser('grace'));
    expect(cleared.presence).toMatchObject({ online: false, status: 'offline', statusMessage: null, statusEmoji: null });

    // An offline user's message expires too.
    await setPresence(grace, 4, { status: 'online', statusMessage: 'Away for the day', statusExpiresAt: inMinutes(60) });
    await ada.next('presence', (m) => m.userId === 'grace' && m.presence?.statusMessage === 'Away for the day');
    grace.ws.close();
    await ada.next('presence', (m) => m.userId === 'grace' && m.presence?.online === false);
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    expect((await ada.next('presence', byUser('grace'))).presence).toMatchObject({ online: false, statusMessage: null });
  });
});

test('on N nodes every node asks to clear an expiry: the first request clears it, the rest change nothing', () => {
  const now = Date.parse('2026-11-23T10:00:00.000Z');
  const record = newPresenceRecord(now);
  record.connections = 1;
  const expiresAt = '2026-11-23T10:30:00.000Z';
  applyPatch(record, { statusMessage: 'Lunch', statusEmoji: '🍔', statusExpiresAt: expiresAt }, now);
  republish(record, now);
  expect(expireStatus(record, expiresAt, now + 30 * MINUTE)).toEqual({ own: true, published: true });
  expect(record.published).toMatchObject({ statusMessage: null, statusEmoji: null, statusExpiresAt: null });
  expect(expireStatus(record, expiresAt, now + 30 * MINUTE)).toEqual({ own: false, published: false });
  // A request for an expiry the user already replaced clears nothing either.
  applyPatch(record, { statusMessage: 'Meeting', statusExpiresAt: '2026-11-23T11:00:00.000Z' }, now + 31 * MINUTE);
  expect(expireStatus(record, expiresAt, now + 32 * MINUTE)).toEqual({ own: false, published: false });
  expect(record.statusMessage).toBe('Meeting');
});
