import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createPresenceClient, PresenceError, type PresenceClient, type PresenceClientOptions, type TokenReason } from '../../src/core/index.ts';
import { CLOSE_CODES, PROTOCOL_VERSION } from '../../src/core/protocol/index.ts';
import { makeUserView } from '../../src/testing/index.ts';

/** A scriptable server: tests decide how it answers auth and pings. */
interface FakeServer {
  url: string;
  connections: Array<{ ws: WebSocket; url: string; frames: Array<Record<string, unknown>>; openedAt: number; closedAt?: number }>;
  close(): Promise<void>;
}

interface FakeBehaviour {
  /** What to do with an auth frame: welcome, or close with a code. */
  onAuth?: (token: string, attempt: number) => 'welcome' | number;
  answerPings?: boolean;
}

const ME = makeUserView('ada', { displayName: 'Ada' });

async function startFakeServer(behaviour: FakeBehaviour = {}): Promise<FakeServer> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => PROTOCOL_VERSION });
  await new Promise((resolve) => wss.once('listening', resolve));
  const connections: FakeServer['connections'] = [];
  let authAttempts = 0;
  wss.on('connection', (ws, request) => {
    const connection: FakeServer['connections'][number] = { ws, url: request.url ?? '', frames: [], openedAt: Date.now() };
    connections.push(connection);
    ws.on('close', () => (connection.closedAt = Date.now()));
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      connection.frames.push(frame);
      if (frame.type === 'auth') {
        authAttempts += 1;
        const verdict = behaviour.onAuth?.(String(frame.token), authAttempts) ?? 'welcome';
        if (verdict === 'welcome') {
          ws.send(
            JSON.stringify({
              type: 'welcome',
              protocol: PROTOCOL_VERSION,
              sessionId: 's',
              me: ME,
              seq: 1,
              serverTime: new Date().toISOString(),
              heartbeatMs: 15_000,
            }),
          );
        } else ws.close(verdict, 'scripted');
      } else if (frame.type === 'ping' && behaviour.answerPings !== false) {
        ws.send(JSON.stringify({ type: 'pong', t: frame.t }));
      } else if (frame.type === 'subscribe') {
        ws.send(JSON.stringify({ type: 'snapshot', rid: frame.rid, seq: 1, full: true, users: [], removed: [] }));
      } else if (frame.type === 'set-presence') {
        ws.send(JSON.stringify({ type: 'ack', rid: frame.rid }));
      }
    });
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

let fake: FakeServer | undefined;
let client: PresenceClient | undefined;
afterEach(async () => {
  client?.disconnect();
  vi.useRealTimers();
  await fake?.close();
  fake = undefined;
  client = undefined;
});

function makeClient(options: Partial<PresenceClientOptions> = {}): PresenceClient {
  client = createPresenceClient({
    url: fake!.url,
    token: 'token-1',
    WebSocket: WebSocket,
    environment: null,
    backoff: { minMs: 1000, maxMs: 8000, random: () => 1 },
    ...options,
  });
  return client;
}

/**
 * Lets real socket I/O happen while fake time moves 1 ms a step (a zero-delay timer set inside a fake
 * tick is due 1 ms later).
 */
async function settle(predicate: () => boolean, label: string, stepMs = 1): Promise<void> {
  for (let i = 0; i < 500; i++) {
    await vi.advanceTimersByTimeAsync(stepMs);
    if (predicate()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`never settled: ${label} (status ${client?.state.getState().status}, ${fake?.connections.length} connections)`);
}

/** Lets fake time pass in steps, with real I/O between them, so a wrong reconnect would be seen. */
async function idle(totalMs: number, stepMs = 500): Promise<void> {
  for (let elapsed = 0; elapsed < totalMs; elapsed += stepMs) {
    await vi.advanceTimersByTimeAsync(stepMs);
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  }
}

const useFakeTimers = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });

describe('connection state machine', () => {
  test('authenticates with the first frame, never the URL, and sends nothing before the welcome', async () => {
    fake = await startFakeServer();
    const c = makeClient();
    const statusDone = c.setStatus({ status: 'busy' });
    c.connect();
    await vi.waitUntil(() => c.state.getState().status === 'connected');
    await statusDone;
    const frames = fake.connections[0]!.frames;
    expect(frames[0]).toEqual({ type: 'auth', token: 'token-1' });
    expect(frames.map((frame) => frame.type)).toEqual(['auth', 'set-presence']);
    expect(fake.connections[0]!.ws.protocol).toBe(PROTOCOL_VERSION);
    expect(fake.connections[0]!.url).toBe('/ws');
  });

  test('connect, release, connect in one tick (React StrictMode) opens exactly one socket', async () => {
    fake = await startFakeServer();
    const c = makeClient();
    const release = c.connect();
    release();
    c.connect();
    await vi.waitUntil(() => c.state.getState().status === 'connected');
    expect(fake.connections).toHaveLength(1);
  });

  test('no pong within the timeout: the connection is declared dead and replaced', async () => {
    useFakeTimers();
    fake = await startFakeServer({ answerPings: false });
    const c = makeClient({ heartbeat: { intervalMs: 30_000, timeoutMs: 5_000 }, backoff: { random: () => 0 } });
    const statuses: string[] = [];
    c.state.subscribe((state, previous) => state.status !== previous.status && statuses.push(state.status));
    c.connect();
    await settle(() => c.state.getState().status === 'connected', 'first connect');
    // The ping goes out at 30 s; the pong timer runs from then.
    await vi.advanceTimersByTimeAsync(30_000 + 4_990);
    expect(c.state.getState().status).toBe('connected');
    expect(fake.connections).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10);
    await settle(() => fake!.connections.length === 2 && c.state.getState().status === 'connected', 'reconnected');
    expect(fake.connections[0]!.frames.filter((frame) => frame.type === 'ping')).toHaveLength(1);
    expect(statuses).toEqual(['connecting', 'connected', 'reconnecting', 'connected']);
  });

  test('reconnects with exponential, capped backoff between failed attempts', async () => {
    useFakeTimers();
    fake = await startFakeServer({ onAuth: () => 1011 });
    const c = makeClient();
    c.connect();
    // partysocket's backoff from this client's draw (random 1: 1.5 × minMs), doubling, capped at maxMs.
    const expected = [1500, 3000, 6000, 8000, 8000];
    for (let attempt = 0; attempt < expected.length; attempt++) {
      await settle(() => fake!.connections[attempt]?.closedAt !== undefined, `failure ${attempt + 1}`);
      const delay = expected[attempt]!;
      await vi.advanceTimersByTimeAsync(delay - 5);
      await new Promise((resolve) => setImmediate(resolve));
      expect(fake.connections.length).toBe(attempt + 1);
      await settle(() => fake!.connections.length === attempt + 2, `attempt after ${delay} ms`);
      const waited = fake.connections[attempt + 1]!.openedAt - fake.connections[attempt]!.closedAt!;
      expect(waited).toBeGreaterThanOrEqual(delay);
      expect(waited).toBeLessThanOrEqual(delay + 10);
    }
    // Says what was lost, never a bare close code.
    expect(c.state.getState().error).toMatchObject({ code: 'network', message: expect.stringMatching(/^the connection to ws:\/\/.+ was lost; retrying$/) });
  });

  test('a server that accepts the TCP connection but never answers the handshake: the attempt is given up after 10 s and retried', async () => {
    useFakeTimers();
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const accepted: Socket[] = [];
    silent.on('connection', (socket) => accepted.push(socket));
    try {
      client = createPresenceClient({
        url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
        token: 't',
        WebSocket: WebSocket,
        environment: null,
        backoff: { random: () => 0 },
      });
      client.connect();
      await settle(() => accepted.length === 1, 'first attempt');
      await vi.advanceTimersByTimeAsync(9_990);
      expect(accepted).toHaveLength(1);
      await settle(() => accepted.length === 2, 'second attempt after the timeout', 5);
      expect(client.state.getState()).toMatchObject({
        status: 'reconnecting',
        error: { code: 'timeout', message: expect.stringMatching(/could not connect to ws:\/\/127\.0\.0\.1:\d+\/ws in time/) },
      });
    } finally {
      client?.disconnect();
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test("an 'online' event skips the rest of the backoff", async () => {
    useFakeTimers();
    fake = await startFakeServer({ onAuth: (_token, attempt) => (attempt === 1 ? 1011 : 'welcome') });
    const environment = new EventTarget();
    const c = makeClient({ environment });
    c.connect();
    await settle(() => fake!.connections.length === 1 && c.state.getState().status === 'reconnecting', 'first failure');
    environment.dispatchEvent(new Event('online'));
    await settle(() => c.state.getState().status === 'connected', 'connected without waiting');
    expect(fake.connections).toHaveLength(2);
  });

  test('a pong deadline that fires late (a hidden, throttled or frozen page) asks again instead of dropping a live link', async () => {
    useFakeTimers();
    const behaviour: FakeBehaviour = { answerPings: false };
    fake = await startFakeServer(behaviour);
    const c = makeClient({ heartbeat: { intervalMs: 30_000, timeoutMs: 5_000 } });
    const statuses: string[] = [];
    c.state.subscribe((state, previous) => state.status !== previous.status && statuses.push(state.status));
    c.connect();
    await settle(() => c.state.getState().status === 'connected', 'connected');
    await vi.advanceTimersByTimeAsync(30_000);
    await settle(() => fake!.connections[0]!.frames.some((frame) => frame.type === 'ping'), 'first ping');
    // The page was frozen for a minute: the clock moved on, its timers did not, and the pong waits behind them.
    vi.setSystemTime(Date.now() + 60_000);
    behaviour.answerPings = true;
    await vi.advanceTimersByTimeAsync(5_000);
    await settle(() => fake!.connections[0]!.frames.filter((frame) => frame.type === 'ping').length === 2, 'asked again');
    await idle(10_000);
    expect(fake.connections).toHaveLength(1);
    expect(statuses).toEqual(['connecting', 'connected']);
  });

  test('a token getter that fails at once is asked again after the backoff, not in a loop of handshakes', async () => {
    useFakeTimers();
    fake = await startFakeServer();
    let asked = 0;
    const c = makeClient({
      token: async () => {
        asked++;
        throw new PresenceError('network', 'the token endpoint is down');
      },
    });
    c.connect();
    await settle(() => asked === 1, 'first ask');
    await idle(30_000);
    // From this client's draw (random 1): 1.5 s, 3 s, 6 s, then 8 s apart: 6 attempts in 30 s.
    expect(fake.connections.length).toBeGreaterThanOrEqual(5);
    expect(fake.connections.length).toBeLessThanOrEqual(7);
    expect(asked).toBe(fake.connections.length);
    expect(c.state.getState()).toMatchObject({ status: 'reconnecting', error: { code: 'network', message: 'the token endpoint is down' } });
  });

  test('pagehide says goodbye (the socket closes, so the server starts the leave now); pageshow connects again', async () => {
    useFakeTimers();
    fake = await startFakeServer();
    const environment = new EventTarget();
    const c = makeClient({ environment });
    c.connect();
    await settle(() => c.state.getState().status === 'connected', 'connected');
    environment.dispatchEvent(new Event('pagehide'));
    await settle(() => fake!.connections[0]!.closedAt !== undefined, 'closed on pagehide');
    expect(c.state.getState().status).toBe('reconnecting');
    // A page in the back/forward cache stays away: no attempt while it is hidden.
    await idle(60_000, 5_000);
    expect(fake.connections).toHaveLength(1);
    environment.dispatchEvent(new Event('pageshow'));
    await settle(() => c.state.getState().status === 'connected', 'back when shown');
    expect(fake.connections).toHaveLength(2);
  });

  test("an 'offline' event or the tab becoming visible probes the link at once; a dead one is replaced", async () => {
    useFakeTimers();
    fake = await startFakeServer({ answerPings: false });
    const environment = new EventTarget();
    const c = makeClient({ environment, heartbeat: { intervalMs: 30_000, timeoutMs: 2_000 }, backoff: { random: () => 0 } });
    c.connect();
    await settle(() => c.state.getState().status === 'connected', 'connected');
    environment.dispatchEvent(new Event('offline'));
    await settle(() => fake!.connections[0]!.frames.some((frame) => frame.type === 'ping'), 'probe sent');
    await vi.advanceTimersByTimeAsync(2_000);
    await settle(() => fake!.connections.length === 2 && c.state.getState().status === 'connected', 'replaced');
    environment.dispatchEvent(new Event('visibilitychange'));
    await settle(() => fake!.connections[1]!.frames.some((frame) => frame.type === 'ping'), 'probe on visible');
  });

  test('disconnect() fails status changes still waiting for the server with closed', async () => {
    fake = await startFakeServer({ onAuth: () => 1011 });
    const c = makeClient();
    c.connect();
    const pending = c.setStatus({ status: 'away' });
    await vi.waitUntil(() => fake!.connections.length === 1);
    c.disconnect();
    await expect(pending).rejects.toMatchObject({ code: 'closed' });
    expect(c.state.getState().status).toBe('idle');
  });

  test("automatic away: 'away' after the quiet period, 'online' at the next input, never over a status the user chose", async () => {
    useFakeTimers();
    fake = await startFakeServer();
    const environment = new EventTarget();
    const c = makeClient({ environment, autoAway: { afterMs: 60_000 }, heartbeat: { intervalMs: 3_600_000 } });
    c.connect();
    await settle(() => c.state.getState().status === 'connected', 'connected');
    const statuses = () =>
      fake!.connections[0]!.frames.filter((frame) => frame.type === 'set-presence').map((frame) => (frame.patch as { status?: string }).status);
    await vi.advanceTimersByTimeAsync(60_000);
    await settle(() => statuses().length === 1, 'away sent');
    environment.dispatchEvent(new Event('keydown'));
    await settle(() => statuses().length === 2, 'online sent');
    expect(statuses()).toEqual(['away', 'online']);
    await vi.advanceTimersByTimeAsync(60_000);
    await settle(() => statuses().length === 3, 'away again');
    await c.setStatus({ status: 'busy' });
    environment.dispatchEvent(new Event('pointerdown'));
    await idle(2_000);
    expect(statuses()).toEqual(['away', 'online', 'away', 'busy']);
  });

  test('automatic away across tabs: input in one tab keeps a background tab from setting the user away, and brings them back', async () => {
    useFakeTimers();
    fake = await startFakeServer();
    const [background, front] = [new EventTarget(), new EventTarget()];
    const options = { autoAway: { afterMs: 60_000 }, heartbeat: { intervalMs: 3_600_000 } } as const;
    const other = createPresenceClient({ url: fake.url, token: 'token-2', WebSocket: WebSocket, environment: front, ...options });
    const c = makeClient({ environment: background, ...options });
    try {
      c.connect();
      other.connect();
      await settle(() => c.state.getState().status === 'connected' && other.state.getState().status === 'connected', 'both connected');
      const statuses = () =>
        fake!.connections.flatMap((connection) =>
          connection.frames.filter((frame) => frame.type === 'set-presence').map((frame) => (frame.patch as { status?: string }).status),
        );
      await vi.advanceTimersByTimeAsync(50_000);
      // The user works in the front tab; the background tab hears of it.
      front.dispatchEvent(new Event('keydown'));
      await idle(2_000, 100);
      await vi.advanceTimersByTimeAsync(20_000);
      await idle(2_000, 100);
      expect(statuses()).toEqual([]);
      // No input anywhere for the whole period: away. Then input in the front tab: online again.
      await vi.advanceTimersByTimeAsync(60_000);
      await settle(() => statuses().includes('away'), 'away once idle everywhere');
      front.dispatchEvent(new Event('pointerdown'));
      await settle(() => statuses().at(-1) === 'online', 'online at input in any tab');
    } finally {
      other.disconnect();
    }
  });

  test('token expired (4002): asks for a fresh token and reconnects at once', async () => {
    useFakeTimers();
    fake = await startFakeServer({ onAuth: (token) => (token === 'stale' ? CLOSE_CODES.tokenExpired : 'welcome') });
    const reasons: TokenReason[] = [];
    const c = makeClient({ token: (reason) => (reasons.push(reason), reason === 'expired' ? 'fresh' : 'stale') });
    c.connect();
    await settle(() => c.state.getState().status === 'connected', 'connected with a fresh token');
    expect(reasons).toEqual(['connect', 'expired']);
    expect(fake.connections.map((connection) => connection.frames[0]?.token)).toEqual(['stale', 'fresh']);
  });

  test('revoked (4003): stops retrying and says why', async () => {
    useFakeTimers();
    fake = await startFakeServer({ onAuth: () => CLOSE_CODES.revoked });
    const c = makeClient();
    c.connect();
    await settle(() => c.state.getState().status === 'disconnected', 'stopped');
    await idle(60_000);
    expect(fake.connections).toHaveLength(1);
    expect(c.state.getState()).toMatchObject({ status: 'disconnected', session: 'logged-out', error: { code: 'revoked' } });
  });

  test('unauthorized (4001): a fixed token stops at once; a token getter is asked again, three times at most', async () => {
    useFakeTimers();
    fake = await startFakeServer({ onAuth: () => CLOSE_CODES.unauthorized });
    const fixed = makeClient();
    fixed.connect();
    await settle(() => fixed.state.getState().status === 'disconnected', 'fixed token stopped');
    expect(fixed.state.getState().error).toMatchObject({ code: 'unauthorized' });
    await idle(30_000);
    expect(fake.connections).toHaveLength(1);
    fixed.disconnect();

    let asked = 0;
    const renewing = makeClient({ token: () => `t${++asked}` });
    renewing.connect();
    // Small steps, so socket I/O keeps up with fake time (one big jump would time the handshakes out).
    await settle(() => renewing.state.getState().status === 'disconnected', 'getter gave up', 50);
    await idle(30_000);
    expect(fake.connections.length).toBe(1 + 3);
    expect(asked).toBe(3);
  });

  test('an invalid frame from the server is reported, and the connection carries on', async () => {
    fake = await startFakeServer();
    const c = makeClient();
    const errors: string[] = [];
    c.onError((error) => errors.push(`${error.code}: ${error.message}`));
    c.connect();
    await vi.waitUntil(() => c.state.getState().status === 'connected');
    fake.connections[0]!.ws.send('{"type":"presence","seq":"NaN"}');
    fake.connections[0]!.ws.send('not json');
    await vi.waitUntil(() => errors.length === 2);
    expect(errors[0]).toMatch(/^bad-message/);
    await c.setStatus({ status: 'away' });
    expect(c.state.getState().status).toBe('connected');
  });
});

describe('misuse', () => {
  test('no WebSocket class (Node without the option): the connection stops and says which option to pass', async () => {
    const original = globalThis.WebSocket;
    // Node 20 has no global WebSocket; newer Node versions do, so take it away for this test.
    Reflect.deleteProperty(globalThis, 'WebSocket');
    try {
      client = createPresenceClient({ url: 'http://127.0.0.1:9', token: 't', environment: null });
      client.connect();
      await vi.waitUntil(() => client!.state.getState().status === 'disconnected');
      expect(client.state.getState().error).toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/pass the `WebSocket` option/) });
    } finally {
      if (original) globalThis.WebSocket = original;
    }
  });

  test('a bad URL or session fails at once with a typed error', () => {
    expect(() => createPresenceClient({ url: 'not a url', token: 't' })).toThrow(expect.objectContaining({ code: 'invalid-input' }));
    expect(() => createPresenceClient({ url: 'http://x', session: { error: 'rate limited' } as never })).toThrow(/session: /);
    // The socket's URL where the server's base URL belongs: the error names it and says what to pass.
    expect(() => createPresenceClient({ url: 'ws://127.0.0.1:8787/ws', token: 't' })).toThrow(
      expect.objectContaining({
        code: 'invalid-input',
        message: expect.stringMatching(/"ws:\/\/127\.0\.0\.1:8787\/ws" is a ws: URL; pass the presence server's http\(s\) base URL/),
      }),
    );
  });
});
