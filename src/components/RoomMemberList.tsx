import {
  Suspense,
  forwardRef,
  lazy,
  memo,
  useCallback,
  useDeferredValue,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type HTMLAttributes,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import type { RoomMember } from '../core/rooms.ts';
import { ONLINE_LIST_LIMITS } from '../core/protocol/online-list-limits.ts';
import { useOthers, useOther } from '../react/useOthers.ts';
import { useRoomOccupancy } from '../react/useRoomOccupancy.ts';
import { useRoomWindow } from '../react/useRoomWindow.ts';
import { useSelf } from '../react/useSelf.ts';
import { useSession } from '../react/useSession.ts';
import { useUser } from '../react/useUser.ts';
import { AllRows } from './AllRows.tsx';
import { useActiveDescendant } from './active-descendant.ts';
import { cx, displayStatus, STATUS_LABELS } from './labels.ts';
import { VIRTUALIZE_ABOVE, type RowWindowHandle, type RowWindowProps } from './row-window.ts';
import { UserAvatar } from './UserAvatar.tsx';

// Long lists only: an app whose rooms stay small never downloads the virtualizer.
const VirtualRows = /* @__PURE__ */ lazy(() => import('./VirtualRows.tsx'));

/** Props of {@link RoomMemberList}: native div props pass through to the outer element. */
export interface RoomMemberListProps extends Omit<HTMLAttributes<HTMLDivElement>, 'children' | 'onSelect'> {
  /** Accessible name of the list (default "In this room"). */
  label?: string;
  /** Show the search box (default true). */
  searchable?: boolean;
  /** Height of one row in px (default 48). */
  rowHeight?: number;
  /** Called with a user id on click or Enter. */
  onSelect?: (userId: string) => void;
  /** What a row says under the name, from the member's room presence (default: their global status). Rendered as React children: text stays text. */
  describe?: (member: RoomMember) => ReactNode;
}

// Natural order ("User 2" before "User 10"), ignoring case and accents: as the server orders a large room.
const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
/** Rows asked for beyond those in the DOM, each way, in a large room: scrolling a little shows no placeholders. */
const OVERSCAN = 40;
const everyone = (others: readonly RoomMember[]) => others;

/**
 * Who is in the room of the nearest `RoomProvider`, by name, with avatar and global status (or what
 * `describe` says of their room presence); you are marked "(you)". A large room (past the server's
 * `roomAnnounceMax`) is listed from the server in windows: the rows in view and 40 either side, with
 * placeholder rows (`aria-busy`) until their people arrive, and its search runs on the server; a small one
 * is listed and searched here. Virtualized above 150 rows, keyboard navigable as a listbox (arrows,
 * Home/End, Page Up/Down, Enter). The count above it is the room's occupancy, exact in both modes.
 *
 * @example
 * ```tsx
 * <RoomProvider id="town-hall:7">
 *   <RoomMemberList style={{ height: 480 }} onSelect={(id) => openProfile(id)} />
 * </RoomProvider>
 * ```
 */
export const RoomMemberList = forwardRef<HTMLDivElement, RoomMemberListProps>(function RoomMemberList(
  { label = 'In this room', searchable = true, rowHeight = 48, onSelect, describe, className, ...rest },
  ref,
) {
  const { userId: me } = useSession();
  const { count, large } = useRoomOccupancy();
  const others = useOthers(everyone);
  const self = useSelf();
  const [query, setQuery] = useState('');
  const search = useDeferredValue(query.trim().toLowerCase());
  const [[firstRendered, lastRendered], setRange] = useState([0, -1]);
  const [wanted, setWanted] = useState({ from: 0, count: OVERSCAN * 2 });
  const rowsWindow = useRoomWindow(large ? { ...wanted, query: search } : null);

  // Small: every member, by name, searched here. Large: the window's rows at their places, null until they come.
  const rows: ReadonlyArray<string | null> = useMemo(() => {
    if (large) {
      const placed: Array<string | null> = Array.from({ length: rowsWindow.total }, () => null);
      rowsWindow.ids.forEach((id, at) => (placed[rowsWindow.from + at] = id));
      return placed;
    }
    const members = self && self.connections.length > 0 ? [self, ...others] : others;
    const named = members.map((member) => {
      const user = member.user;
      return { id: member.userId, name: user?.displayName ?? member.userId, username: user?.username ?? '' };
    });
    const matching = search ? named.filter((m) => m.name.toLowerCase().includes(search) || m.username.toLowerCase().includes(search)) : named;
    return matching.sort((a, b) => collator.compare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((m) => m.id);
  }, [large, rowsWindow, self, others, search]);

  // A large room: ask for the people of the rows in the DOM, and some either side.
  useEffect(() => {
    if (!large) return;
    const from = Math.max(0, firstRendered - OVERSCAN);
    const next = { from, count: Math.min(ONLINE_LIST_LIMITS.windowRows, lastRendered + 1 - from + OVERSCAN) };
    setWanted((held) => (held.from === next.from && held.count === next.count ? held : next));
  }, [large, firstRendered, lastRendered]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const windowHandle = useRef<RowWindowHandle>(null);
  const onRange = useCallback((first: number, last: number) => setRange((held) => (held[0] === first && held[1] === last ? held : [first, last])), []);
  const [active, setActive] = useState(0);
  const listId = useId();
  const activeRow = Math.min(active, rows.length - 1);
  const move = (row: number) => {
    const next = Math.max(0, Math.min(rows.length - 1, row));
    setActive(next);
    windowHandle.current?.scrollToIndex(next);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? rowHeight * 8) / rowHeight));
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(activeRow + 1),
      ArrowUp: () => move(activeRow - 1),
      Home: () => move(0),
      End: () => move(rows.length - 1),
      PageDown: () => move(activeRow + page),
      PageUp: () => move(activeRow - page),
      Enter: () => {
        const id = rows[activeRow];
        if (id) onSelect?.(id);
      },
    };
    const action = keys[event.key];
    if (!action || rows.length === 0) return;
    event.preventDefault();
    action();
  };

  const state = count === null || (large && rowsWindow.status === 'loading') ? 'loading' : rows.length === 0 ? 'empty' : 'ready';
  const optionId = (index: number) => `${listId}-option-${index}`;
  // Only an option that is in the DOM can be the active descendant: virtualized ones come and go.
  useActiveDescendant(scrollRef, state === 'ready' && activeRow >= firstRendered && activeRow <= lastRendered ? optionId(activeRow) : undefined);
  const heightOf = useCallback(() => rowHeight, [rowHeight]);
  const windowProps: RowWindowProps = {
    count: rows.length,
    heightOf,
    scrollRef,
    handle: windowHandle,
    onRange,
    renderRow: (index, top) => {
      const id = rows[index];
      const common = { id: optionId(index), position: index + 1, setSize: rows.length, active: index === activeRow, top, height: rowHeight };
      if (!id) {
        return (
          <div
            key={`row-${index}`}
            id={common.id}
            role="option"
            aria-selected={common.active}
            aria-posinset={common.position}
            aria-setsize={common.setSize}
            aria-busy="true"
            aria-label="Loading"
            className="pk-online-list-skeleton pk-online-list-row"
            style={{ transform: `translateY(${top}px)`, height: rowHeight, position: 'absolute' }}
          >
            <span className="pk-skeleton pk-skeleton-avatar" />
            <span className="pk-skeleton pk-skeleton-line" />
          </div>
        );
      }
      return <MemberRow key={id} {...common} userId={id} you={id === me} describe={describe} onSelect={onSelect} onPointerEnter={() => setActive(index)} />;
    },
  };

  return (
    <div ref={ref} className={cx('pk-online-list', 'pk-room-member-list', className)} data-state={state} data-large={large || undefined} {...rest}>
      {searchable ? (
        <input
          type="search"
          className="pk-input pk-online-list-search"
          aria-label={`Search ${label.toLowerCase()}`}
          aria-controls={listId}
          placeholder="Search"
          value={query}
          onChange={(event) => {
            setQuery(event.target.value);
            setActive(0);
          }}
        />
      ) : null}
      <p className="pk-online-list-count" aria-live="polite">
        {count === null ? '…' : `${count} here`}
      </p>
      {state === 'ready' ? (
        <div ref={scrollRef} id={listId} className="pk-online-list-scroll" role="listbox" aria-label={label} tabIndex={0} onKeyDown={onKeyDown}>
          {rows.length > VIRTUALIZE_ABOVE ? (
            <Suspense fallback={<AllRows {...windowProps} limit={20} />}>
              <VirtualRows {...windowProps} />
            </Suspense>
          ) : (
            <AllRows {...windowProps} />
          )}
        </div>
      ) : (
        <div ref={scrollRef} id={listId} className="pk-online-list-scroll" aria-busy={state === 'loading'}>
          <p className="pk-online-list-message" role="status">
            {state === 'loading' ? 'Loading who is here…' : search ? `No one here matches “${query}”` : 'No one here yet'}
          </p>
        </div>
      )}
    </div>
  );
});

interface MemberRowProps {
  id: string;
  userId: string;
  you: boolean;
  position: number;
  setSize: number;
  active: boolean;
  top: number;
  height: number;
  describe: ((member: RoomMember) => ReactNode) | undefined;
  onSelect: ((userId: string) => void) | undefined;
  onPointerEnter: () => void;
}

/** One member. Re-renders when that member or their profile changes, or when it becomes the active row. */
const MemberRow = memo(function MemberRow({ id, userId, you, position, setSize, active, top, height, describe, onSelect, onPointerEnter }: MemberRowProps) {
  const { user } = useUser(userId);
  const member = useOther(userId, (found) => found);
  const self = useSelf((mine) => (you ? mine : null));
  const shown = member ?? self;
  const status = displayStatus(user === undefined ? undefined : (user?.presence ?? null));
  return (
    <div
      id={id}
      role="option"
      aria-selected={active}
      aria-posinset={position}
      aria-setsize={setSize}
      className="pk-online-list-row"
      data-status={status}
      data-active={active || undefined}
      style={{ transform: `translateY(${top}px)`, height }}
      onClick={() => onSelect?.(userId)}
      onPointerEnter={onPointerEnter}
    >
      <UserAvatar userId={userId} size="md" showStatus aria-hidden="true" />
      <span className="pk-online-list-text">
        <span className="pk-online-list-name">
          {user?.displayName ?? userId}
          {you ? <span className="pk-online-list-you"> (you)</span> : null}
        </span>
        <span className="pk-online-list-detail">{describe && shown ? describe(shown) : STATUS_LABELS[status]}</span>
      </span>
    </div>
  );
});
