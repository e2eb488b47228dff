// The hub the leading tab runs for every tab's connection (issue 22): what each lane gets, and what the
// server is sent, with a fake upstream and fake lanes (the browser parts are in test/e2e/shared-socket).
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { TabHub, type LanePort, type Upstream } from '../../src/core/tab-hub.ts';

type Frame = Record<string, unknown>;
type Lane = ReturnType<ReturnType<typeof setup>['lane']>;

function setup() {
  const sent: Frame[] = [];
  const upstream: Upstream & { status: string } = {
    status: 'connected',
    start() {},
    stop() {},
    send: (frame) => (sent.push(structuredClone(frame) as Frame), true),
  };
  const hub = new TabHub(upstream, (ports, text) => {
    for (const port of ports) port.deliver(text);
  });
  const lane = (id: string, tab = id) => {
    const got: Frame[] = [];
    const closes: number[] = [];
    const port: LanePort = { id, tab, deliver: (text) => got.push(JSON.parse(text) as Frame), close: (code) => closes.push(code) };
    hub.open(port);
    const send = (frame: Frame) => hub.fromLane(id, JSON.stringify(frame));
    return { got, closes, send, auth: () => send({ type: 'auth', token: 't' }) };
  };
  const me = { id: 'ada', presence: { online: true, status: 'online', statusMessage: 'hi', statusEmoji: null, statusExpiresAt: null } };
  const welcome = () =>
    hub.fromUpstream(JSON.stringify({ type: 'welcome', protocol: 'presence.v1', sessionId: 's', me, seq: 5, serverTime: 'now', heartbeatMs: 1 }));
  /** Lanes that sent auth and have the welcome. */
  const admitted = (...ids: string[]) => {
    const lanes = ids.map((id) => lane(id));
    for (const each of lanes) each.auth();
    welcome();
    return lanes;
  };
  return { hub, upstream, sent, lane, welcome, admitted, me };
}

test('auth waits for the leader’s welcome; pings are answered here; nothing before auth goes on', () => {
  const { lane, welcome, sent } = setup();
  const a = lane('a');
  a.send({ type: 'subscribe', rid: 1, users: ['grace'] });
  a.auth();
  a.send({ type: 'ping', t: 7 });
  expect(a.got).toEqual([{ type: 'pong', t: 7 }]);
  welcome();
  expect(a.got[1]).toMatchObject({ type: 'welcome', me: { id: 'ada' } });
  // A lane that comes later gets the welcome at once, with the user as now.
  const b = lane('b');
  b.auth();
  expect(b.got).toMatchObject([{ type: 'welcome' }]);
  expect(sent).toEqual([]);
});

test('each lane’s request ids are its own: the server gets distinct ones, and each answer goes back to the lane that asked', () => {
  const { admitted, sent, hub } = setup();
  const [a, b] = admitted('a', 'b') as [Lane, Lane];
  a.send({ type: 'catch-up', rid: 1, users: ['grace'] });
  b.send({ type: 'catch-up', rid: 1, users: ['linus'] });
  const [ra, rb] = sent.map((frame) => frame.rid as number);
  expect(ra).not.toBe(rb);
  hub.fromUpstream(JSON.stringify({ type: 'snapshot', rid: rb, seq: 9, full: false, users: [], removed: ['linus'] }));
  hub.fromUpstream(JSON.stringify({ type: 'snapshot', rid: ra, seq: 9, full: false, users: [], removed: ['grace'] }));
  expect(a.got.at(-1)).toMatchObject({ rid: 1, removed: ['grace'] });
  expect(b.got.at(-1)).toMatchObject({ rid: 1, removed: ['linus'] });
  // An answer nobody asked for (or asked twice) goes nowhere.
  hub.fromUpstream(JSON.stringify({ type: 'ack', rid: ra }));
  expect(a.got).toHaveLength(2);
  // Frames for everyone reach every admitted lane once.
  hub.fromUpstream(JSON.stringify({ type: 'presence', seq: 10, userId: 'grace', presence: null }));
  expect([a.got.at(-1)?.type, b.got.at(-1)?.type]).toEqual(['presence', 'presence']);
});

test('the server watches the union: a user or the online list stays watched while any lane watches it; a closed lane lets go of its own', () => {
  const { admitted, sent, hub } = setup();
  const [a, b] = admitted('a', 'b') as [Lane, Lane];
  a.send({ type: 'subscribe', rid: 1, users: ['grace', 'linus'], online: true });
  b.send({ type: 'subscribe', rid: 1, users: ['grace'], online: true });
  sent.length = 0;
  a.send({ type: 'unsubscribe', users: ['grace'] });
  a.send({ type: 'unsubscribe', online: true });
  expect(sent).toEqual([]);
  b.send({ type: 'unsubscribe', users: ['grace'] });
  expect(sent).toEqual([{ type: 'unsubscribe', users: ['grace'] }]);
  sent.length = 0;
  a.send({ type: 'room-enter', rid: 2, room: 'doc:1', presence: null });
  expect(sent[0]).toMatchObject({ type: 'room-enter', room: 'doc:1', lane: 'a' });
  sent.length = 0;
  hub.closed('a');
  expect(sent).toEqual([
    { type: 'unsubscribe', users: ['linus'] },
    { type: 'room-leave', rid: expect.any(Number), room: 'doc:1', lane: 'a' },
  ]);
  sent.length = 0;
  hub.tabGone('b');
  expect(sent).toEqual([{ type: 'unsubscribe', online: true }]);
  expect(b.closes).toEqual([1012]);
});

test('a broadcast from one lane reaches the other lanes in that room here (the server leaves out the whole socket)', () => {
  const { admitted, sent } = setup();
  const [a, b, c] = admitted('a', 'b', 'c');
  a!.send({ type: 'room-enter', rid: 1, room: 'doc:1' });
  b!.send({ type: 'room-enter', rid: 1, room: 'doc:1' });
  c!.send({ type: 'room-enter', rid: 1, room: 'doc:2' });
  a!.send({ type: 'room-broadcast', room: 'doc:1', event: { x: 1 } });
  expect(sent.at(-1)).toEqual({ type: 'room-broadcast', room: 'doc:1', event: { x: 1 }, lane: 'a' });
  expect(b!.got.at(-1)).toEqual({ type: 'room-event', room: 'doc:1', userId: 'ada', event: { x: 1 } });
  expect(a!.got.at(-1)?.type).toBe('welcome');
  expect(c!.got.at(-1)?.type).toBe('welcome');
});

test('a status change shows in every tab before the server answers; refused, every tab goes back to what the server holds', () => {
  const { lane, admitted, sent, hub, me } = setup();
  const [a, b] = admitted('a', 'b') as [Lane, Lane];
  a.send({ type: 'set-presence', rid: 3, patch: { status: 'busy', statusMessage: '' } });
  for (const each of [a, b])
    expect(each.got.at(-1)).toEqual({ type: 'self', me: { ...me, presence: { ...me.presence, status: 'busy', statusMessage: null } } });
  // A tab opened now is welcomed as busy.
  const c = lane('c');
  c.auth();
  expect(c.got.at(-1)).toMatchObject({ type: 'welcome', me: { presence: { status: 'busy' } } });
  hub.fromUpstream(JSON.stringify({ type: 'error', rid: sent.at(-1)!.rid, code: 'rate-limited', message: 'slow down' }));
  expect(a.got.at(-2)).toMatchObject({ type: 'error', rid: 3, code: 'rate-limited' });
  for (const each of [a, b, c]) expect(each.got.at(-1)).toEqual({ type: 'self', me });
});

test('the leader’s socket lost: admitted lanes close (to come back at the next welcome); waiting ones wait; revoked, all close as revoked', () => {
  const { lane, welcome, hub, upstream } = setup();
  const a = lane('a');
  a.auth();
  welcome();
  upstream.status = 'reconnecting';
  hub.upstreamStatus('reconnecting', null);
  expect(a.closes).toEqual([1012]);
  const b = lane('b');
  b.auth();
  hub.upstreamStatus('connecting', null);
  expect(b.closes).toEqual([]);
  upstream.status = 'connected';
  welcome();
  expect(b.got.at(-1)?.type).toBe('welcome');
  hub.upstreamStatus('disconnected', { code: 'revoked' });
  expect(b.closes).toEqual([4003]);
});

test('whatever a lane or the server sends, the hub never throws', () => {
  const { lane, welcome, hub } = setup();
  const a = lane('a');
  a.auth();
  welcome();
  fc.assert(
    fc.property(
      fc.oneof(
        fc.jsonValue(),
        fc.string(),
        fc.record({
          type: fc.constantFrom('subscribe', 'unsubscribe', 'set-presence', 'room-enter', 'room-broadcast', 'snapshot', 'self', 'presence'),
          rid: fc.anything(),
          users: fc.anything(),
          room: fc.anything(),
          patch: fc.anything(),
          me: fc.anything(),
        }),
      ),
      (value) => {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        hub.fromLane('a', text);
        hub.fromLane('nobody', text);
        hub.fromUpstream(text);
      },
    ),
    { numRuns: 2_000 },
  );
});

test('each lane has a window of its own: named in the frame, its rows to it alone, and ended when the lane goes', () => {
  const { admitted, sent, hub } = setup();
  const [a, b] = admitted('a', 'b') as [Lane, Lane];
  a.send({ type: 'online-window', rid: 1, from: 0, count: 20 });
  b.send({ type: 'online-window', rid: 1, from: 100, count: 20 });
  expect(sent.map((frame) => [frame.lane, frame.from])).toEqual([
    ['a', 0],
    ['b', 100],
  ]);
  const rows = (lane: string, from: number) => JSON.stringify({ type: 'online-rows', lane, from, ids: [], users: [], counts: { online: 0, away: 0, busy: 0 } });
  hub.fromUpstream(rows('b', 100));
  hub.fromUpstream(rows('a', 0));
  expect(a.got.filter((frame) => frame.type === 'online-rows').map((frame) => frame.from)).toEqual([0]);
  expect(b.got.filter((frame) => frame.type === 'online-rows').map((frame) => frame.from)).toEqual([100]);
  // Counts are the user's: every lane hears them.
  hub.fromUpstream(JSON.stringify({ type: 'online-count', counts: { online: 1, away: 0, busy: 0 }, large: true }));
  expect([a.got.at(-1)?.type, b.got.at(-1)?.type]).toEqual(['online-count', 'online-count']);
  hub.closed('a');
  expect(sent.at(-1)).toEqual({ type: 'online-window', from: 0, count: 0, lane: 'a' });
});

test('a lane’s lists of anything but strings are dropped, never stringified (an object can make String() throw)', () => {
  const { admitted, sent } = setup();
  const [a] = admitted('a') as [Lane];
  expect(() => a.send({ type: 'subscribe', rid: 1, users: [{ toString: 0 }, 'grace'] })).not.toThrow();
  expect(() => a.send({ type: 'room-enter', rid: 2, room: { toString: 0 } })).not.toThrow();
  expect(() => a.send({ type: 'unsubscribe', users: [{ toString: 0 }, 'grace'] })).not.toThrow();
  expect(sent.at(-1)).toEqual({ type: 'unsubscribe', users: ['grace'] });
});
