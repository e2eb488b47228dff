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
  type ComponentType,
  type HTMLAttributes,
  type KeyboardEvent,
} from 'react';
import { useConnectionState } from '../react/useConnectionState.ts';
import { useOnlineUsers } from '../react/useOnlineUsers.ts';
import { useOnlineUsersByStatus } from '../react/useOnlineUsersByStatus.ts';
import { useOnlineCount } from '../react/useOnlineCount.ts';
import { useOnlineWindow } from '../react/useOnlineWindow.ts';
import { useSession } from '../react/useSession.ts';
import { usePresenceClient } from '../react/usePresenceClient.ts';
import { useUser } from '../react/useUser.ts';
import { useUsers } from '../react/useUsers.ts';
import { ONLINE_LIST_LIMITS } from '../core/protocol/online-list-limits.ts';
import { AllRows } from './AllRows.tsx';
import { useDeparted } from './departed.ts';
import { useListCard } from './list-card.ts';
import { LastSeen } from './LastSeen.tsx';
import { useActiveDescendant } from './active-descendant.ts';
import { cx, displayStatus, STATUS_LABELS } from './labels.ts';
import { rowTops, VIRTUALIZE_ABOVE, type RowWindowHandle, type RowWindowProps } from './row-window.ts';
import { UserAvatar } from './UserAvatar.tsx';

// Long lists only: an app whose lists stay short never downloads the virtualizer.
const VirtualRows = /* @__PURE__ */ lazy(() => import('./VirtualRows.tsx'));

/** Props of {@link OnlineList}: native div props pass through to the outer element. */
export interface OnlineListProps extends Omit<HTMLAttributes<HTMLDivElement>, 'children' | 'onSelect'> {
  /** Accessible name of the list (default "People"). */
  label?: string;
  /** Show the search box (default true). */
  searchable?: boolean;
  /** List people who are offline too, after those online (default true). */
  showOffline?: boolean;
  /** Height of one row in px (default 56), section headings included. */
  rowHeight?: number;
  /** Called with a user id on click or Enter. */
  onSelect?: (userId: string) => void;
  /**
   * Leave the signed-in user out of the list (default false; otherwise marked "(you)"). Not applied to a
   * large list (past the server's `announceMax`), whose rows come from the server with you among them.
   */
  hideCurrentUser?: boolean;
  /**
   * A card to show for the active person once their row stays active a moment (the pointer resting on it,
   * or reached with the arrow keys): `UserCard`, or your own component taking `userId`. Escape hides it.
   * Default none; passed in rather than built in, so an app without cards does not download one.
   */
  card?: ComponentType<{ userId: string }>;
}

type Section = 'online' | 'away' | 'busy' | 'offline';
/** A person's row; `id` null: a row of a large list whose person the window has not brought yet. */
type ListRow = { kind: 'section'; section: Section; count: string } | { kind: 'user'; id: string | null; position: number };

// Natural order ("User 2" before "User 10"), ignoring case and accents.
const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
const SKELETON_ROWS = 5;
/** Rows asked for beyond those in the DOM, each way, in a large list: scrolling a little shows no placeholders. */
const OVERSCAN = 40;
const SIGN_IN_REFUSED: readonly string[] = ['unauthorized', 'token-expired', 'disabled', 'forbidden', 'revoked'];

type Named = { displayName: string; username: string };

/** The ids of known users (`find`) matching the search, by display name; `hidden` (the current user, when hidden) left out. */
function byName(find: (id: string) => Named | null | undefined, ids: readonly string[], search: string, hidden: string | null): string[] {
  const named = ids.flatMap((id) => {
    const user = find(id);
    if (!user || id === hidden) return [];
    if (search && !user.displayName.toLowerCase().includes(search) && !user.username.toLowerCase().includes(search)) return [];
    return [[id, user.displayName] as const];
  });
  return named.sort((a, b) => collator.compare(a[1], b[1])).map(([id]) => id);
}

/**
 * Everyone online in sections (online, away, busy, then offline people when shown), each by name in
 * natural order with a count, with avatar, name, status message and last seen; the signed-in user is
 * marked "(you)". Virtualized above 150 rows (10,000 people scroll smoothly; the virtualizer is loaded
 * then, on demand), every row in the DOM below (so rows render in jsdom tests), searchable, and keyboard
 * navigable as a listbox (arrows, Home/End, Page Up/Down, Enter). `data-state` is 'loading' (skeleton
 * rows), 'error' (a message and a retry button), 'empty' or 'ready'. The count is everyone online, as
 * `useOnlineUsers` says, so it matches every other component.
 *
 * @example
 * ```tsx
 * <OnlineList style={{ height: 480 }} onSelect={(id) => openProfile(id)} />
 * ```
 */
export const OnlineList = forwardRef<HTMLDivElement, OnlineListProps>(function OnlineList(
  { label = 'People', searchable = true, showOffline = true, rowHeight = 56, onSelect, hideCurrentUser = false, card: Card, className, ...rest },
  ref,
) {
  const client = usePresenceClient();
  const { status: connection, error: connectionError } = useConnectionState();
  const { userId: me } = useSession();
  const online = useOnlineUsers();
  const [query, setQuery] = useState('');
  const search = useDeferredValue(query.trim().toLowerCase());
  const offline = useUsers({ online: false, limit: 100, ...(search ? { search } : {}) }, { enabled: showOffline });

  const departed = useDeparted(online);
  const count = useOnlineCount();
  const { large } = count;

  // Sorted when someone comes or goes (or the search changes); a status change only regroups, in one pass.
  const ordered = useMemo(
    () => (large ? [] : byName(client.peekUser, online, search, hideCurrentUser ? me : null)),
    [client, large, online, search, hideCurrentUser, me],
  );
  const groups = useOnlineUsersByStatus(ordered);
  /** Rows in the DOM (first, last) and the last one in view. */
  const [[firstRendered, lastRendered, lastVisible], setRange] = useState([0, -1, 0]);
  // A large list: the server sends the rows in view (and some either side), in its order, with the counts.
  const [wanted, setWanted] = useState({ from: 0, count: OVERSCAN * 2 });
  const rowsWindow = useOnlineWindow(large ? { ...wanted, query: search } : null);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = offline;

  const { rows, userRows } = useMemo(() => {
    const rows: ListRow[] = [];
    const userRows: number[] = [];
    const section = (name: Section, ids: readonly string[], more = false) => {
      if (ids.length === 0) return;
      rows.push({ kind: 'section', section: name, count: `${ids.length}${more ? '+' : ''}` });
      for (const id of ids) {
        userRows.push(rows.length);
        rows.push({ kind: 'user', id, position: userRows.length });
      }
    };
    if (large) {
      // Each section's rows from the counts; the people in them from the window (the rest wait for theirs).
      const { from, ids } = rowsWindow;
      // The list's counts without a search (kept current apart from the rows); the matches' with one.
      const counts = search ? (rowsWindow.counts ?? { online: 0, away: 0, busy: 0 }) : count;
      let index = 0;
      for (const name of ['online', 'away', 'busy'] as const) {
        const total = counts[name];
        if (total === 0) continue;
        rows.push({ kind: 'section', section: name, count: String(total) });
        for (let i = 0; i < total; i++, index++) {
          userRows.push(rows.length);
          rows.push({ kind: 'user', id: ids[index - from] ?? null, position: userRows.length });
        }
      }
    } else {
      section('online', groups.online);
      section('away', groups.away);
      section('busy', groups.busy);
    }
    if (showOffline) {
      // The directory's pages and whoever went offline since they were fetched, by name as the directory
      // orders; searched as the directory searches (username or display name).
      const isOnline = new Set(online);
      const listed = new Map<string, Named>(offline.users.map((user) => [user.id, user]));
      // Someone departed counts as offline only when known to be: a large list forgets whom it stops hearing of.
      const gone = departed.filter((id) => client.peekUser(id)?.presence?.online === false);
      const candidates = [...new Set([...listed.keys(), ...gone])].filter((id) => !isOnline.has(id));
      section(
        'offline',
        byName((id) => listed.get(id) ?? client.peekUser(id), candidates, search, hideCurrentUser ? me : null),
        hasNextPage,
      );
    }
    return { rows, userRows };
  }, [client, groups, showOffline, online, departed, offline.users, search, hideCurrentUser, me, hasNextPage, large, rowsWindow, count]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const windowHandle = useRef<RowWindowHandle>(null);
  const onRange = useCallback(
    (first: number, last: number, visible: number) =>
      setRange((held) => (held[0] === first && held[1] === last && held[2] === visible ? held : [first, last, visible])),
    [],
  );
  /** The active person, by their place among the people (section headings are not options). */
  const [active, setActive] = useState(0);
  const listId = useId();
  const activePosition = Math.min(active, userRows.length - 1);
  const activeRow = userRows[activePosition] ?? -1;
  // The pointer or focus is in the list: what makes the active row's card worth showing.
  const [pointerIn, setPointerIn] = useState(false);
  const [focused, setFocused] = useState(false);
  const card = useListCard(Card !== undefined && (pointerIn || focused), activeRow);

  // A large list: ask for the people of the rows in the DOM, and some either side.
  useEffect(() => {
    if (!large) return;
    const people = peopleBefore(userRows, lastRendered + 1);
    const first = peopleBefore(userRows, firstRendered);
    const from = Math.max(0, first - OVERSCAN);
    const next = { from, count: Math.min(ONLINE_LIST_LIMITS.windowRows, people - from + OVERSCAN) };
    setWanted((held) => (held.from === next.from && held.count === next.count ? held : next));
  }, [large, userRows, firstRendered, lastRendered]);

  // Fetch the next page of the directory when the end comes into view.
  useEffect(() => {
    if (showOffline && hasNextPage && !isFetchingNextPage && lastVisible >= rows.length - 10) void fetchNextPage();
  }, [showOffline, hasNextPage, isFetchingNextPage, lastVisible, rows.length, fetchNextPage]);

  const move = (position: number) => {
    const next = Math.max(0, Math.min(userRows.length - 1, position));
    setActive(next);
    windowHandle.current?.scrollToIndex(userRows[next]!);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? rowHeight * 8) / rowHeight));
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(activePosition + 1),
      ArrowUp: () => move(activePosition - 1),
      Home: () => move(0),
      End: () => move(userRows.length - 1),
      PageDown: () => move(activePosition + page),
      PageUp: () => move(activePosition - page),
      Enter: () => {
        const row = rows[activeRow];
        if (row?.kind === 'user' && row.id !== null) onSelect?.(row.id);
      },
    };
    if (event.key === 'Escape' && card.shown !== null) {
      event.preventDefault();
      card.dismiss();
      return;
    }
    const action = keys[event.key];
    if (!action || userRows.length === 0) return;
    event.preventDefault();
    action();
  };

  const loading = rows.length === 0 && (connection === 'connecting' || connection === 'idle' || (showOffline && offline.status === 'loading'));
  // A connection that stopped for good (refused: guests off, a bad token) is the cause to show, not the directory's failure after it.
  const failure = (connection === 'disconnected' ? connectionError : null) ?? offline.error;
  const refused = failure !== null && SIGN_IN_REFUSED.includes(failure.code);
  const state = failure && rows.length === 0 ? 'error' : loading ? 'loading' : rows.length === 0 ? 'empty' : 'ready';
  const optionId = (index: number) => `${listId}-option-${index}`;
  // Only an option that is in the DOM can be the active descendant: virtualized ones come and go.
  useActiveDescendant(scrollRef, state === 'ready' && activeRow >= firstRendered && activeRow <= lastRendered ? optionId(activeRow) : undefined);
  // Headings are shorter than people: a full row's height left a gap under the count above them.
  const heightOf = useCallback((index: number) => (rows[index]?.kind === 'section' ? Math.round(rowHeight * 0.6) : rowHeight), [rows, rowHeight]);
  const windowProps: RowWindowProps = {
    count: rows.length,
    heightOf,
    scrollRef,
    handle: windowHandle,
    onRange,
    renderRow: (index, top) => {
      const row = rows[index]!;
      if (row.kind === 'section') {
        return (
          // Each option names its status already: the heading is for the eye.
          <div
            key={`section-${row.section}`}
            className="pk-online-list-section"
            data-status={row.section}
            aria-hidden="true"
            style={{ transform: `translateY(${top}px)`, height: heightOf(index) }}
          >
            {STATUS_LABELS[row.section]} <span className="pk-online-list-section-count">{row.count}</span>
          </div>
        );
      }
      if (row.id === null) {
        return (
          // A large list's row whose person is on the way (scrolled to faster than the window followed).
          <div
            key={`row-${index}`}
            id={optionId(index)}
            role="option"
            aria-selected={index === activeRow}
            aria-posinset={row.position}
            aria-setsize={userRows.length}
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
      const userId = row.id;
      return (
        <OnlineListRow
          key={userId}
          id={optionId(index)}
          userId={userId}
          you={userId === me}
          position={row.position}
          setSize={userRows.length}
          active={index === activeRow}
          describedBy={index === card.shown ? `${listId}-card` : undefined}
          top={top}
          height={rowHeight}
          onSelect={onSelect}
          onPointerEnter={() => setActive(row.position - 1)}
        />
      );
    },
  };

  return (
    <div ref={ref} className={cx('pk-online-list', className)} data-state={state} {...rest}>
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
        {count.total} online
      </p>
      {state === 'ready' ? (
        <div
          ref={scrollRef}
          id={listId}
          className="pk-online-list-scroll"
          role="listbox"
          aria-label={label}
          tabIndex={0}
          onKeyDown={onKeyDown}
          onPointerEnter={() => setPointerIn(true)}
          onPointerLeave={() => setPointerIn(false)}
          onFocus={() => setFocused(true)}
          onBlur={() => setFocused(false)}
        >
          {rows.length > VIRTUALIZE_ABOVE ? (
            <Suspense fallback={<AllRows {...windowProps} limit={20} />}>
              <VirtualRows {...windowProps} />
            </Suspense>
          ) : (
            <AllRows {...windowProps} />
          )}
          {Card && card.shown !== null && rows[card.shown]?.kind === 'user' && (rows[card.shown] as { id: string | null }).id !== null ? (
            // Out of the listbox's tree (it holds options only); the option's aria-describedby still reads it.
            <div
              id={`${listId}-card`}
              aria-hidden="true"
              className="pk-online-list-card"
              // Under the row; near the bottom of the view, over it.
              style={{
                transform:
                  card.shown >= lastVisible - 2 && card.shown > 3
                    ? `translateY(calc(${rowTops(card.shown, heightOf)[card.shown]!}px - 100% - 4px))`
                    : `translateY(${rowTops(card.shown + 1, heightOf)[card.shown + 1]! + 4}px)`,
              }}
            >
              <Card userId={(rows[card.shown] as { id: string }).id} />
            </div>
          ) : null}
        </div>
      ) : (
        // No listbox without options: the state is told as a status message instead.
        <div ref={scrollRef} id={listId} className="pk-online-list-scroll" aria-busy={state === 'loading'}>
          {state === 'loading' ? (
            <>
              <p className="pk-visually-hidden" role="status">
                Loading people…
              </p>
              {Array.from({ length: SKELETON_ROWS }, (_, index) => (
                <div key={index} className="pk-online-list-skeleton" aria-hidden="true" style={{ height: rowHeight }}>
                  <span className="pk-skeleton pk-skeleton-avatar" />
                  <span className="pk-skeleton pk-skeleton-line" />
                </div>
              ))}
            </>
          ) : state === 'error' ? (
            <div className="pk-online-list-message" role="alert">
              {refused ? (
                // Asking again gets the same answer: say why, with the server's words, and offer no retry.
                <p>Could not sign in: {failure.message}.</p>
              ) : (
                <>
                  <p>Could not load people. Check your connection and try again.</p>
                  <button type="button" className="pk-button" onClick={() => void offline.refetch()}>
                    Try again
                  </button>
                </>
              )}
            </div>
          ) : (
            <p className="pk-online-list-message" role="status">
              {search ? `No one matches “${query}”` : 'No one here yet'}
            </p>
          )}
        </div>
      )}
    </div>
  );
});

/** How many of the people's rows (`userRows`, ascending) come before row `index`. */
function peopleBefore(userRows: readonly number[], index: number): number {
  let low = 0;
  let high = userRows.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (userRows[middle]! < index) low = middle + 1;
    else high = middle;
  }
  return low;
}

interface RowProps {
  id: string;
  userId: string;
  you: boolean;
  position: number;
  setSize: number;
  active: boolean;
  top: number;
  height: number;
  onSelect: ((userId: string) => void) | undefined;
  onPointerEnter: () => void;
  /** The id of the card shown for this person, if any. */
  describedBy: string | undefined;
}

/** One person. Re-renders when that person changes, or when it becomes the active row. */
const OnlineListRow = memo(function OnlineListRow({
  id,
  userId,
  you,
  position,
  setSize,
  active,
  describedBy,
  top,
  height,
  onSelect,
  onPointerEnter,
}: RowProps) {
  const { user } = useUser(userId);
  const status = displayStatus(user === undefined ? undefined : (user?.presence ?? null));
  const name = user?.displayName ?? userId;
  return (
    <div
      id={id}
      role="option"
      aria-selected={active}
      // Virtualized: the DOM holds a window of the people, so each says where it stands.
      aria-posinset={position}
      aria-setsize={setSize}
      aria-describedby={describedBy}
      className="pk-online-list-row"
      data-status={status}
      data-active={active || undefined}
      style={{ transform: `translateY(${top}px)`, height }}
      onClick={() => onSelect?.(userId)}
      onPointerEnter={onPointerEnter}
    >
      <UserAvatar userId={userId} size="md" aria-hidden="true" />
      <span className="pk-online-list-text">
        <span className="pk-online-list-name">
          {name}
          {you ? <span className="pk-online-list-you"> (you)</span> : null}
        </span>
        <span className="pk-online-list-detail">
          <span className="pk-visually-hidden">{STATUS_LABELS[status]}. </span>
          {/* Online: what they are doing. Offline: when they were here; a message ("In a meeting") read as current. */}
          {user?.presence?.online ? (
            <>
              {user.presence.statusEmoji ? (
                <span className="pk-online-list-emoji" aria-hidden={user.presence.statusMessage ? true : undefined}>
                  {user.presence.statusEmoji}
                </span>
              ) : null}
              {user.presence.statusMessage ? <span className="pk-online-list-message-text">{user.presence.statusMessage}</span> : null}
            </>
          ) : (
            <>
              {user?.presence?.lastOnline ? 'Last seen ' : null}
              <LastSeen userId={userId} className="pk-online-list-seen" />
            </>
          )}
        </span>
      </span>
    </div>
  );
});
