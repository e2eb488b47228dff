import type { PresenceCore, UserFilters } from '../core/index.ts';

const clientIds = new WeakMap<PresenceCore, number>();
let nextClientId = 1;

/**
 * Query keys, scoped per client: two providers sharing the app's QueryClient (two users, two servers)
 * never read each other's cache.
 */
export function presenceKeys(client: PresenceCore) {
  let id = clientIds.get(client);
  if (id === undefined) clientIds.set(client, (id = nextClientId++));
  const root = ['presence-kit', id] as const;
  return {
    all: root,
    user: (userId: string) => [...root, 'user', userId] as const,
    me: () => [...root, 'me'] as const,
    users: (filters: UserFilters) => [...root, 'users', filters] as const,
    blocks: () => [...root, 'blocks'] as const,
  };
}
