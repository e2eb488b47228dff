import { describe, expectTypeOf, test } from 'vitest';
import {
  createPresenceClient,
  createPresenceCore,
  updateCurrentUser,
  watchUser,
  useConnectionState,
  useCurrentUser,
  useOnStatusUpdate,
  useUser,
  useUserPresence,
  type AppPresence,
  type PresenceConnectionStatus,
  type PresenceError,
} from '../../src/index.ts';

// What an app writes once to type its custom status and metadata (TanStack's Register pattern).
declare module '../../src/index.ts' {
  interface Register {
    customStatus: { emoji: string; until?: string };
    userMetadata: { plan: 'free' | 'pro' };
  }
}

describe('hook types', () => {
  test('custom status and metadata carry the registered types', () => {
    const presence = useUserPresence('ada');
    expectTypeOf(presence).toEqualTypeOf<AppPresence | null | undefined>();
    expectTypeOf(presence!.custom).toEqualTypeOf<{ emoji: string; until?: string } | null>();
    const { user } = useUser('ada');
    expectTypeOf(user!.metadata.plan).toEqualTypeOf<'free' | 'pro'>();
    expectTypeOf(user!.presence!.custom!.emoji).toBeString();
    // @ts-expect-error: not a registered field
    void presence!.custom!.mood;
  });

  test('selectors infer their result; status and errors are unions, not strings', () => {
    const status = useUserPresence('ada', (p) => p?.status);
    expectTypeOf(status).toEqualTypeOf<'online' | 'away' | 'busy' | 'offline' | 'invisible' | undefined>();
    const connection = useConnectionState();
    expectTypeOf(connection.status).toEqualTypeOf<PresenceConnectionStatus>();
    expectTypeOf(connection.error).toEqualTypeOf<PresenceError | null>();
    expectTypeOf(useUser('ada').status).toEqualTypeOf<'idle' | 'loading' | 'success' | 'not-found' | 'error'>();
  });

  test('actions accept only what they may change', () => {
    const { update, setStatus } = useCurrentUser();
    void update({ displayName: 'Ada' });
    // @ts-expect-error: the role is not the user's to change
    void update({ role: 'admin' });
    void setStatus({ status: 'invisible' });
    // @ts-expect-error: 'offline' is what others see, not something to choose
    void setStatus({ status: 'offline' });
    useOnStatusUpdate('ada', (update) => expectTypeOf(update.status).toEqualTypeOf<'online' | 'away' | 'busy' | 'offline' | 'invisible'>());
  });
});

describe('writes and the core client carry the registered types too', () => {
  const client = createPresenceClient({ url: 'http://127.0.0.1:1', token: 't' });
  const core = createPresenceCore({ url: 'http://127.0.0.1:1', token: 't' });

  test('status: setStatus takes the registered custom status, on the client and in useCurrentUser', () => {
    void client.setStatus({ custom: { emoji: '🌴' } });
    void core.setStatus({ custom: null });
    // @ts-expect-error: not the registered custom status
    void client.setStatus({ custom: { mood: 'calm' } });
    const { setStatus } = useCurrentUser();
    void setStatus({ custom: { emoji: '🎧', until: '2026-12-01T00:00:00.000Z' } });
    // @ts-expect-error: emoji is a string
    void setStatus({ custom: { emoji: 1 } });
  });

  test('profile: update takes the registered metadata, and an updater sees it typed', () => {
    void client.updateCurrentUser({ metadata: { plan: 'pro' } });
    // @ts-expect-error: not a registered plan
    void client.updateCurrentUser({ metadata: { plan: 'enterprise' } });
    void updateCurrentUser(core, (me) => {
      expectTypeOf(me.metadata.plan).toEqualTypeOf<'free' | 'pro'>();
      return { metadata: { plan: 'free' } };
    });
    const { update } = useCurrentUser();
    // @ts-expect-error: not a registered plan
    void update({ metadata: { plan: 'enterprise' } });
  });

  test('reads from the client: views, presence changes and status updates', async () => {
    expectTypeOf((await client.fetchUser('ada')).metadata.plan).toEqualTypeOf<'free' | 'pro'>();
    expectTypeOf(core.peekUser('ada')!.presence!.custom).toEqualTypeOf<{ emoji: string; until?: string } | null>();
    expectTypeOf((await client.listUsers()).users[0]!.metadata.plan).toEqualTypeOf<'free' | 'pro'>();
    client.onUserPresenceChanged(({ presence }) => expectTypeOf(presence!.custom).toEqualTypeOf<{ emoji: string; until?: string } | null>());
    watchUser(core, 'ada').onStatusUpdate(({ custom, user }) => {
      expectTypeOf(custom).toEqualTypeOf<{ emoji: string; until?: string } | null>();
      expectTypeOf(user.metadata.plan).toEqualTypeOf<'free' | 'pro'>();
    });
  });
});
