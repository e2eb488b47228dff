import { useMemo } from 'react';
import type { PresenceConnectionStatus, PresenceError } from '../core/index.ts';
import { usePresenceClient } from './usePresenceClient.ts';
import { useStoreSelector } from './useStoreSelector.ts';

/** What {@link useConnectionState} returns. */
export interface ConnectionState {
  status: PresenceConnectionStatus;
  /** Why the connection is reconnecting or stopped; null while connected. */
  error: PresenceError | null;
}

/**
 * The connection's public status ('idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected')
 * and its last error. Re-renders only when either changes.
 *
 * @example
 * ```tsx
 * const { status, error } = useConnectionState();
 * if (status === 'reconnecting') return <Banner>Reconnecting… {error?.message}</Banner>;
 * ```
 */
export function useConnectionState(): ConnectionState {
  const client = usePresenceClient();
  const status = useStoreSelector(client.state, (state) => state.status);
  const error = useStoreSelector(client.state, (state) => state.error);
  return useMemo(() => ({ status, error }), [status, error]);
}
