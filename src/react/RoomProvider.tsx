import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { enterRoom, type Room } from '../core/index.ts';
import type { RoomEvent, RoomPresence } from '../core/register.ts';
import { usePresenceClient } from './usePresenceClient.ts';

/** The room of the nearest `RoomProvider`: null until entered; undefined outside any. */
const RoomContext = createContext<Room | null | undefined>(undefined);

/** Props of {@link RoomProvider}. */
export interface RoomProviderProps<P = RoomPresence> {
  /** The room (`doc:42`, `channel:general`); changing it leaves the old room and enters the new one. */
  id: string;
  /** Your room presence on entering (read once per room id). */
  initialPresence?: P;
  /** Room presence goes out at most once per this many ms (default 100). */
  throttleMs?: number;
  children?: ReactNode;
}

/**
 * Enters a room while mounted (inside a `PresenceProvider`) and gives it to the room hooks below it. Two
 * providers of the same room share it; StrictMode's mount, unmount and mount enter it once.
 *
 * @example
 * ```tsx
 * <RoomProvider id="doc:42" initialPresence={{ cursor: null }}>
 *   <RoomAvatars />
 *   <Canvas />
 * </RoomProvider>
 * ```
 */
export function RoomProvider<P = RoomPresence>({ id, initialPresence, throttleMs, children }: RoomProviderProps<P>) {
  const client = usePresenceClient();
  const [room, setRoom] = useState<Room | null>(null);
  useEffect(() => {
    const entered = enterRoom(client, id, {
      ...(initialPresence === undefined ? {} : { presence: initialPresence as RoomPresence }),
      ...(throttleMs === undefined ? {} : { throttleMs }),
    });
    // The room is an external system entered here, and its handle exists only once entered: handing it to
    // the tree from this effect is the one extra render it costs.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setRoom(entered);
    return () => {
      entered.leave();
      setRoom(null);
    };
    // The initial presence is read when entering, as its name says; a new object each render must not re-enter.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, id, throttleMs]);
  return <RoomContext.Provider value={room}>{children}</RoomContext.Provider>;
}

/**
 * The room of the nearest `RoomProvider`, or null until it is entered. Throws outside a `RoomProvider`.
 *
 * @example
 * ```tsx
 * const room = useRoom();
 * const status = room?.getStatus();
 * ```
 */
export function useRoom<P = RoomPresence, E = RoomEvent>(): Room<P, E> | null {
  const room = useContext(RoomContext);
  if (room === undefined) throw new Error('useRoom and the room hooks need a <RoomProvider id="..."> above them');
  return room as Room<P, E> | null;
}
