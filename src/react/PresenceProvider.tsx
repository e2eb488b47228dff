import { QueryClient, QueryClientContext, QueryClientProvider } from '@tanstack/react-query';
import { useContext, useEffect, useInsertionEffect, useRef, useState, type ReactNode, type RefObject } from 'react';
import { createPresenceCore, onUserChanged, type PresenceClientOptions, type PresenceCore } from '../core/index.ts';
import type { TokenReason } from '../core/connection.ts';
import { PresenceContext } from './context.ts';
import { presenceKeys } from './queryKeys.ts';
import { useProviderClient } from './useRowClient.ts';

/** Props of {@link PresenceProvider}: connection options, or a client you made yourself. */
export type PresenceProviderProps = (
  | (PresenceClientOptions & {
      client?: undefined;
      /**
       * Who the token is for, when `token` is a function: changing it makes a new connection.
       * (A changed URL, `session.userId` or fixed `token` does the same on its own.)
       */
      userId?: string;
    })
  | { client: PresenceCore }
) & {
  children?: ReactNode;
  /** The QueryClient for profile and list requests. Defaults to the app's (from context), else one of its own. */
  queryClient?: QueryClient;
};

function identityOf(props: PresenceProviderProps): unknown {
  if (props.client) return props.client;
  const user = props.userId ?? props.session?.userId ?? (typeof props.token === 'string' ? props.token : '');
  return `${props.url}\n${props.wsUrl ?? ''}\n${user}`;
}

/**
 * Holds one presence client and its connection for everything below it. It connects in an effect
 * (never during render, so server rendering opens no socket) and disconnects on unmount; under
 * StrictMode exactly one socket is open. A new inline options object does not reconnect; a new URL
 * or user does. Socket events that change a profile update the react-query cache.
 *
 * @example
 * ```tsx
 * <PresenceProvider url="https://presence.example.com" token={() => getPresenceToken()} userId={me.id}>
 *   <App />
 * </PresenceProvider>
 * ```
 */
export function PresenceProvider(props: PresenceProviderProps): ReactNode {
  const latest = useRef(props);
  // The token getter reads the newest props when it is called (from an effect or later), never in render.
  useInsertionEffect(() => {
    latest.current = props;
  });
  const identity = identityOf(props);
  // The client closes over `latest` and reads it only when asked for a token, never during render.
  // eslint-disable-next-line react-hooks/refs
  const [held, setHeld] = useState(() => ({ identity, client: props.client ?? createClient(props, latest) }));
  let client = held.client;
  if (held.identity !== identity) {
    // A new URL or user: a new client, made in this render (React renders again at once with it).
    // eslint-disable-next-line react-hooks/refs
    const next = { identity, client: props.client ?? createClient(props, latest) };
    setHeld(next);
    client = next.client;
  }
  useProviderClient(client);

  const appQueryClient = useContext(QueryClientContext);
  const [ownQueryClient] = useState(() => (props.queryClient || appQueryClient ? null : new QueryClient()));
  const queryClient = props.queryClient ?? appQueryClient ?? ownQueryClient!;

  useEffect(() => client.connect(), [client]);

  // Profiles live in the react-query cache; the socket keeps them current there.
  useEffect(() => {
    const keys = presenceKeys(client);
    return onUserChanged(client, (id, user) => {
      queryClient.setQueryData(keys.user(id), user);
      if (id === client.state.getState().currentUserId) queryClient.setQueryData(keys.me(), user);
    });
  }, [client, queryClient]);

  const content = <PresenceContext.Provider value={client}>{props.children}</PresenceContext.Provider>;
  return queryClient === appQueryClient ? content : <QueryClientProvider client={queryClient}>{content}</QueryClientProvider>;
}

/** The client reads its token getter through the latest props, so an inline getter never reconnects. */
function createClient(props: PresenceProviderProps, latest: RefObject<PresenceProviderProps>): PresenceCore {
  const {
    children: _children,
    queryClient: _queryClient,
    userId: _userId,
    client: _client,
    ...options
  } = props as PresenceClientOptions & {
    children?: ReactNode;
    queryClient?: QueryClient;
    userId?: string;
    client?: undefined;
  };
  const { token } = options;
  return createPresenceCore({
    ...options,
    token:
      typeof token === 'function'
        ? (reason: TokenReason) => {
            const current = (latest.current as PresenceClientOptions).token;
            return typeof current === 'function' ? current(reason) : (current ?? token(reason));
          }
        : token,
  });
}
