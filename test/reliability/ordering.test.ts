// Issue 5 scenario 8: events delivered out of order and duplicated end in the in-order state.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { createPresenceClient } from '../../src/core/index.ts';
import type { WebSocketLike } from '../../src/core/connection.ts';
import { PROTOCOL_VERSION, type Presence, type ServerMessage } from '../../src/core/protocol/index.ts';
import { makePresence, makeUserView } from '../../src/testing/index.ts';
import { waitForStore } from '../helpers.ts';

const USERS = ['ada', 'grace', 'linus'];
const STATUSES = ['online', 'away', 'busy', 'offline'] as const;

/** A socket that plays a script: welcome, a full snapshot, then the given frames in the given order. */
function scriptedSocket(script: ServerMessage[]): WebSocketLike {
  return class extends EventTarget {
    readyState = 0;
    protocol = '';
    binaryType = 'blob';
    bufferedAmount = 0;
    extensions = '';
    constructor(readonly url: string) {
      super();
      setTimeout(() => {
        this.readyState = 1;
        this.protocol = PROTOCOL_VERSION;
        this.dispatchEvent(new Event('open'));
      });
    }
    send(data: string) {
      const frame = JSON.parse(data) as { type: string; rid?: number };
      const deliver = (message: ServerMessage) => this.dispatchEvent(new MessageEvent('message', { data: JSON.stringify(message) }));
      if (frame.type === 'auth')
        deliver({
          type: 'welcome',
          protocol: PROTOCOL_VERSION,
          sessionId: 's',
          me: makeUserView('me'),
          seq: 1,
          serverTime: new Date().toISOString(),
          heartbeatMs: 15_000,
        });
      if (frame.type === 'subscribe') {
        deliver({
          type: 'snapshot',
          rid: frame.rid,
          seq: 1,
          full: true,
          users: USERS.map((id) => makeUserView(id, { presence: makePresence('online') })),
          removed: [],
        });
        for (const message of script) deliver(message);
        deliver({ type: 'pong', t: -1 });
      }
    }
    close() {
      this.readyState = 3;
    }
  } as unknown as WebSocketLike;
}

test('8. any delivery order, with duplicates, gives the in-order result (property-based)', async () => {
  const event = fc.record({
    user: fc.constantFrom(...USERS),
    status: fc.constantFrom(...STATUSES),
    message: fc.option(fc.string({ maxLength: 8 }), { nil: null }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(event, { minLength: 1, maxLength: 30 }).chain((events) => {
        const numbered = events.map((item, index) => ({ ...item, seq: 2 + index }));
        return fc.tuple(fc.constant(numbered), fc.shuffledSubarray([...numbered, ...numbered], { minLength: numbered.length }));
      }),
      async ([inOrder, shuffled]) => {
        const frame = (item: (typeof inOrder)[number]): ServerMessage => ({
          type: 'presence',
          seq: item.seq,
          userId: item.user,
          presence: makePresence(item.status, { statusMessage: item.message }) as Presence,
        });
        // Every event at least once (the shuffled part may leave some out), in a random order.
        const delivered = [...shuffled.map(frame), ...inOrder.map(frame).reverse()];
        const client = createPresenceClient({
          url: 'http://scripted',
          token: 't',
          WebSocket: scriptedSocket(delivered),
          environment: null,
          offlineGraceMs: 0,
          autoAway: false,
        });
        client.retainOnlineList();
        client.connect();
        await waitForStore(client.state, (state) => state.status === 'connected');
        await waitForStore(client.store.userStore('ada'), (entry) => entry.seq >= 1);
        await new Promise((resolve) => setTimeout(resolve, 0));
        for (const user of USERS) {
          const last = inOrder.filter((item) => item.user === user).at(-1);
          const expected = last ? { status: last.status, statusMessage: last.message } : { status: 'online', statusMessage: null };
          expect(client.peekUser(user)?.presence).toMatchObject(expected);
        }
        client.disconnect();
      },
    ),
    { numRuns: 40 },
  );
});
