import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createPresenceStore } from '../../src/core/store.ts';
import type { Presence } from '../../src/core/protocol/index.ts';
import { makePresence, makeUserView } from '../../src/testing/index.ts';
import { reconnectDelays } from '../../src/core/backoff.ts';

const presence = (status: Presence['status']) => makePresence(status);
const view = (id: string, status: Presence['status'] = 'online') => makeUserView(id, { presence: makePresence(status) });

describe('presence store', () => {
  test('an update to one user notifies only that user’s subscribers and copies nothing else', () => {
    const store = createPresenceStore();
    const calls = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const id = `u${i}`;
      store.applyView(view(id), 1);
      store.userStore(id).subscribe(() => calls.set(id, (calls.get(id) ?? 0) + 1));
    }
    let rootNotifications = 0;
    store.state.subscribe(() => rootNotifications++);
    const untouched = store.peek('u1');
    store.applyPresence('u42', presence('busy'), 2);
    expect([...calls]).toEqual([['u42', 1]]);
    // Status changed, membership of the online set did not: the client-wide state is not touched.
    expect(rootNotifications).toBe(0);
    expect(store.peek('u1')).toBe(untouched);
    store.applyPresence('u42', presence('offline'), 3);
    expect(rootNotifications).toBe(1);
    expect(store.onlineUserIds()).toHaveLength(9_999);
  });

  test('events older than what is held are ignored, duplicates too: any delivery order gives the in-order result', () => {
    const statuses = ['online', 'away', 'busy', 'offline'] as const;
    const event = fc.record({ user: fc.constantFrom('ada', 'grace', 'linus'), status: fc.constantFrom(...statuses) });
    fc.assert(
      fc.property(
        fc.array(event, { minLength: 1, maxLength: 40 }).chain((events) => {
          const numbered = events.map((item, index) => ({ ...item, seq: index + 1 }));
          // Shuffle, and deliver some events twice.
          return fc.tuple(
            fc.constant(numbered),
            fc.shuffledSubarray([...numbered, ...numbered], { minLength: numbered.length * 2 }).chain((all) => fc.shuffledSubarray(all)),
          );
        }),
        ([inOrder, delivered]) => {
          const expected = createPresenceStore();
          for (const item of inOrder) expected.applyPresence(item.user, presence(item.status), item.seq);
          const actual = createPresenceStore();
          // Every event arrives at least once, in any order, some twice.
          for (const item of [...delivered, ...inOrder.slice().reverse()]) actual.applyPresence(item.user, presence(item.status), item.seq);
          for (const user of ['ada', 'grace', 'linus']) {
            expect(actual.peek(user)?.presence).toEqual(expected.peek(user)?.presence);
          }
          expect([...actual.onlineUserIds()].sort()).toEqual([...expected.onlineUserIds()].sort());
        },
      ),
      { numRuns: 300 },
    );
  });

  test('an equal update keeps the same objects, so selectors see no change', () => {
    const store = createPresenceStore();
    store.applyView(view('ada'), 1);
    const before = store.peek('ada')!;
    let notified = 0;
    store.userStore('ada').subscribe((entry, previous) => {
      if (entry.presence !== previous.presence || entry.user !== previous.user) notified++;
    });
    store.applyView(view('ada'), 2);
    expect(store.peek('ada')!.presence).toBe(before.presence);
    expect(store.peek('ada')!.user).toBe(before.user);
    expect(notified).toBe(0);
  });

  test('the online id list is a stable array between changes of the set', () => {
    const store = createPresenceStore();
    store.applyView(view('ada'), 1);
    const first = store.onlineUserIds();
    store.applyPresence('ada', presence('away'), 2);
    expect(store.onlineUserIds()).toBe(first);
    store.applyView(view('grace'), 3);
    expect(store.onlineUserIds()).not.toBe(first);
    expect([...store.onlineUserIds()].sort()).toEqual(['ada', 'grace']);
  });
});

describe('backoff', () => {
  test('each client draws its own delays for partysocket: clients dropped together do not return together', () => {
    expect(reconnectDelays({ minMs: 500, maxMs: 15_000, random: () => 0 })).toEqual({
      minReconnectionDelay: 250,
      maxReconnectionDelay: 7_500,
      reconnectionDelayGrowFactor: 2,
    });
    expect(reconnectDelays({ minMs: 500, maxMs: 15_000, random: () => 0.999999 })).toMatchObject({
      minReconnectionDelay: expect.closeTo(750, 0),
      maxReconnectionDelay: expect.closeTo(15_000, 0),
    });
    const firsts = Array.from({ length: 1000 }, () => reconnectDelays().minReconnectionDelay);
    expect(Math.min(...firsts)).toBeLessThan(300);
    expect(Math.max(...firsts)).toBeGreaterThan(700);
  });
});
