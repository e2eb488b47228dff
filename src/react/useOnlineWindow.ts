import { useEffect, useRef, useState } from 'react';
import { watchOnlineWindow, type OnlineWindow, type OnlineWindowRequest, type OnlineWindowState } from '../core/index.ts';
import { useLatest } from './useLatest.ts';
import { usePresenceClient } from './usePresenceClient.ts';

const LOADING: OnlineWindowState = { status: 'loading', from: 0, ids: [], counts: null, error: null };

/**
 * Rows of the online list in its stable order (online, away, busy; each by name), with exact counts, while
 * mounted and `request` is not null: what a list of thousands renders for the rows in view (pass the
 * virtualizer's range plus some overscan). One window per client.
 *
 * @example
 * ```tsx
 * const window = useOnlineWindow({ from: firstRow, count: 60, query: search });
 * return window.ids.map((id) => <Row key={id} userId={id} />);
 * ```
 */
export function useOnlineWindow(request: OnlineWindowRequest | null): OnlineWindowState {
  const client = usePresenceClient();
  const [state, setState] = useState<OnlineWindowState>(LOADING);
  const window = useRef<OnlineWindow | null>(null);
  const latest = useLatest(request);
  const on = request !== null;
  useEffect(() => {
    if (!on || !latest.current) return;
    const opened = (window.current = watchOnlineWindow(client, latest.current));
    const unsubscribe = opened.subscribe(() => setState(opened.get()));
    return () => {
      unsubscribe();
      opened.close();
      window.current = null;
      setState(LOADING);
    };
  }, [client, on, latest]);
  // Moved or searched: the same window, asked for other rows.
  const key = request ? `${request.from}:${request.count}:${request.query ?? ''}` : null;
  useEffect(() => {
    if (key !== null && latest.current) window.current?.set(latest.current);
  }, [key, latest]);
  return state;
}
