import * as React from 'react';
import type { PresenceCore } from '../core/index.ts';
import { PresenceContext } from './context.ts';
import { NO_PROVIDER } from './usePresenceClient.ts';

/**
 * The clients of mounted PresenceProviders. A provider adds its client as it renders (before its
 * children can ask for it) and again in an effect (StrictMode runs effects twice), and removes it when
 * it unmounts or changes client. A render React throws away (an interrupted first mount) leaves its
 * unconnected client here: that turns the shortcut below off for the page, never makes it wrong.
 */
const live = new Set<PresenceCore>();

/**
 * Registers the client of a rendering PresenceProvider.
 *
 * @example
 * ```ts
 * useProviderClient(client);
 * ```
 */
export function useProviderClient(client: PresenceCore): void {
  // Never on a server: effects do not run there, so nothing would take the client out again.
  if (typeof document !== 'undefined') live.add(client);
  React.useEffect(() => {
    live.add(client);
    return () => void live.delete(client);
  }, [client]);
}

// React 19's `use` reads a context without counting as a hook, so skipping it is allowed; React 18 has
// no `use`, and there the hook always reads the context.
const use = (React as { use?: <T>(context: React.Context<T>) => T }).use;
/** How this runtime reads the context: one of the two, for the page's lifetime. */
const readContext = use ?? React.useContext;

/**
 * The provider's client for hooks that rows of a list call (useUserPresence). A component that reads a
 * context costs React an allocation each time it clones that component as an unchanged sibling, which
 * it does for every row of a flat list on every update (0.4 MB per update at 10,000 rows). While one
 * provider's client is mounted, it is the one above this row (its provider rendered first), so rows
 * skip the context read; with two, it reads the context as any hook does.
 *
 * @example
 * ```ts
 * const client = useRowClient();
 * ```
 */
export function useRowClient(): PresenceCore {
  const client = use && live.size === 1 ? live.values().next().value! : readContext(PresenceContext);
  if (!client) throw new Error(NO_PROVIDER);
  return client;
}
