import { useContext } from 'react';
import type { PresenceCore } from '../core/index.ts';
import { PresenceContext } from './context.ts';

/**
 * The client of the nearest {@link PresenceProvider}, for anything the hooks do not cover: its own
 * methods, or the functions of `presence-kit/core` (`getUser(client, id)`, `listUsers(client)`, ...).
 *
 * @example
 * ```tsx
 * const client = usePresenceClient();
 * const onClick = () => client.setStatus({ status: 'busy' });
 * ```
 */
export function usePresenceClient(): PresenceCore {
  const client = useContext(PresenceContext);
  if (!client) throw new Error(NO_PROVIDER);
  return client;
}

/** What every hook says when it has no provider above it. */
export const NO_PROVIDER = 'presence-kit: this hook needs a <PresenceProvider> above it (wrap your app, or the story/test, in one).';
