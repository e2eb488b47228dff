import { useEffect, useRef, useState } from 'react';
import type { RoomWindow, RoomWindowRequest, RoomWindowState } from '../core/index.ts';
import { useLatest } from './useLatest.ts';
import { useRoom } from './RoomProvider.tsx';

const LOADING: RoomWindowState = { status: 'loading', from: 0, ids: [], total: 0 };

/**
 * Rows of the members of the nearest `RoomProvider`'s room in its stable order (display name, then id),
 * while mounted and `request` is not null: what a member list of a 10,000-person room renders for the rows
 * in view (pass the virtualizer's range plus some overscan). The members in it are in `useOthers` and
 * `useOther` while they are in the window. One window per room.
 *
 * @example
 * ```tsx
 * const { ids, total } = useRoomWindow({ from: firstRow, count: 60, query: search });
 * return ids.map((id) => <MemberRow key={id} userId={id} />);
 * ```
 */
export function useRoomWindow(request: RoomWindowRequest | null): RoomWindowState {
  const room = useRoom();
  const [state, setState] = useState<RoomWindowState>(LOADING);
  const window = useRef<RoomWindow | null>(null);
  const latest = useLatest(request);
  const on = request !== null && room !== null;
  useEffect(() => {
    if (!on || !room || !latest.current) return;
    const opened = (window.current = room.watchMembers(latest.current));
    const unsubscribe = opened.subscribe(() => setState(opened.get()));
    return () => {
      unsubscribe();
      opened.close();
      window.current = null;
      setState(LOADING);
    };
  }, [room, on, latest]);
  // Moved or searched: the same window, asked for other rows.
  const key = request ? `${request.from}:${request.count}:${request.query ?? ''}` : null;
  useEffect(() => {
    if (key !== null && latest.current) window.current?.set(latest.current);
  }, [key, latest]);
  return state;
}
