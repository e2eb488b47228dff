import { describe, expectTypeOf, test } from 'vitest';
import {
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
