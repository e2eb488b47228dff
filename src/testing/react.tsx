import { QueryClient } from '@tanstack/react-query';
import { createElement, type ReactNode } from 'react';
import type { PresenceCore } from '../core/index.ts';
import { PresenceProvider } from '../react/PresenceProvider.tsx';

/**
 * A wrapper component that provides `client` (and a fresh QueryClient without retries) to what it
 * wraps: pass it as `wrapper` to Testing Library's `render` or `renderHook`.
 *
 * @example
 * ```tsx
 * const server = await startTestServer({ users: ['ada', 'grace'] });
 * const { result } = renderHook(() => useUserPresence('grace'), { wrapper: createPresenceWrapper(server.clientFor('ada')) });
 * ```
 */
export function createPresenceWrapper(client: PresenceCore, queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })) {
  return function PresenceTestWrapper({ children }: { children?: ReactNode }) {
    return createElement(PresenceProvider, { client, queryClient }, children);
  };
}
