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
} from 'react';
import { useConnectionState } from '../react/useConnectionState.ts';
import { useOnlineUsers } from '../react/useOnlineUsers.ts';
import { useSession } from '../react/useSession.ts';
import { usePresenceClient } from '../react/usePresenceClient.ts';
import { useUser } from '../react/useUser.ts';
import { useUsers } from '../react/useUsers.ts';
import { LastSeen } from './LastSeen.tsx';
import { cx, displayStatus, STATUS_LABELS } from './labels.ts';
import { AllRows } from './AllRows.tsx';
import { VIRTUALIZE_ABOVE, type RowWindowHandle, type RowWindowProps } from './row-window.ts';
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
  /** Height of one row in px (default 56). */
  rowHeight?: number;
  /** Called with a user id on click or Enter. */
  onSelect?: (userId: string) => void;
  /** Leave the signed-in user out of the list (default false). */
  hideCurrentUser?: boolean;
}

const NO_USERS: string[] = [];

/**
 * Everyone online first (by name), then everyone else, with avatar, name, status message and last seen.
 * Virtualized above 150 rows (10,000 people scroll smoothly; the virtualizer is loaded then, on demand),
 * every row in the DOM below (so rows render in jsdom tests), searchable, and keyboard navigable as a listbox (arrows,
 * Home/End, Page Up/Down, Enter). `data-state` is 'loading', 'error', 'empty' or 'ready'.
 *
 * @example
 * ```tsx
 * <OnlineList style={{ height: 480 }} onSelect={(id) => openProfile(id)} />
 * ```
 */
export const OnlineList = forwardRef<HTMLDivElement, OnlineListProps>(function OnlineList(
  { label = 'People', searchable = true, showOffline = true, rowHeight = 56, onSelect, hideCurrentUser = false, className, ...rest },
  ref,
) {
  const client = usePresenceClient();
  const { status: connection } = useConnectionState();
  const { userId: me } = useSession();
  const online = useOnlineUsers();
  const [query, setQuery] = useState('');
  const search = useDeferredValue(query.trim().toLowerCase());
  const offline = useUsers({ online: false, limit: 100, ...(search ? { search } : {}) }, { enabled: showOffline });

  // Ordered by membership only: a status change inside the online set never re-sorts or re-renders the list.
  const onlineIds = useMemo(() => {
    const named = online.flatMap((id) => {
      const user = client.peekUser(id);
      if (!user || (hideCurrentUser && id === me)) return [];
      if (search && !user.displayName.toLowerCase().includes(search) && !user.username.toLowerCase().includes(search)) return [];
      return [[id, user.displayName] as const];
    });
    const collator = new Intl.Collator(undefined, { sensitivity: 'base' });
    return named.sort((a, b) => collator.compare(a[1], b[1])).map(([id]) => id);
  }, [client, online, search, hideCurrentUser, me]);
  const rows = useMemo(() => {
    if (!showOffline) return onlineIds;
    const isOnline = new Set(online);
    const rest = offline.users.filter((user) => !isOnline.has(user.id) && !(hideCurrentUser && user.id === me)).map((user) => user.id);
    return rest.length === 0 ? (onlineIds.length ? onlineIds : NO_USERS) : [...onlineIds, ...rest];
  }, [online, onlineIds, offline.users, showOffline, hideCurrentUser, me]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const windowHandle = useRef<RowWindowHandle>(null);
  /** Rows in the DOM (first, last) and the last one in view. */
  const [[firstRendered, lastRendered, lastVisible], setRange] = useState([0, -1, 0]);
  const onRange = useCallback(
    (first: number, last: number, visible: number) =>
      setRange((held) => (held[0] === first && held[1] === last && held[2] === visible ? held : [first, last, visible])),
    [],
  );
  const [active, setActive] = useState(0);
  const listId = useId();
  const activeIndex = Math.min(active, rows.length - 1);

  // Fetch the next page of the directory when the end comes into view.
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = offline;
  useEffect(() => {
    if (showOffline && hasNextPage && !isFetchingNextPage && lastVisible >= rows.length - 10) void fetchNextPage();
  }, [showOffline, hasNextPage, isFetchingNextPage, lastVisible, rows.length, fetchNextPage]);

  const move = (index: number) => {
    const next = Math.max(0, Math.min(rows.length - 1, index));
    setActive(next);
    windowHandle.current?.scrollToIndex(next);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? rowHeight * 8) / rowHeight));
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(activeIndex + 1),
      ArrowUp: () => move(activeIndex - 1),
      Home: () => move(0),
      End: () => move(rows.length - 1),
      PageDown: () => move(activeIndex + page),
      PageUp: () => move(activeIndex - page),
      Enter: () => rows[activeIndex] && onSelect?.(rows[activeIndex]),
    };
    const action = keys[event.key];
    if (!action || rows.length === 0) return;
    event.preventDefault();
    action();
  };

  const loading = rows.length === 0 && (connection === 'connecting' || connection === 'idle' || (showOffline && offline.status === 'loading'));
  const state = offline.error && rows.length === 0 ? 'error' : loading ? 'loading' : rows.length === 0 ? 'empty' : 'ready';
  const optionId = (index: number) => `${listId}-option-${index}`;
  const windowProps: RowWindowProps = {
    count: rows.length,
    rowHeight,
    scrollRef,
    handle: windowHandle,
    onRange,
    renderRow: (index, top) => (
      <OnlineListRow
        key={rows[index]}
        id={optionId(index)}
        userId={rows[index]!}
        active={index === activeIndex}
        top={top}
        height={rowHeight}
        onSelect={onSelect}
        onPointerEnter={() => setActive(index)}
      />
    ),
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
        {onlineIds.length} online
      </p>
      {state === 'ready' ? (
        <div
          ref={scrollRef}
          id={listId}
          className="pk-online-list-scroll"
          role="listbox"
          aria-label={label}
          tabIndex={0}
          // Only an option that is in the DOM can be the active descendant; virtualized ones come and go.
          aria-activedescendant={activeIndex >= firstRendered && activeIndex <= lastRendered ? optionId(activeIndex) : undefined}
          onKeyDown={onKeyDown}
        >
          {rows.length > VIRTUALIZE_ABOVE ? (
            <Suspense fallback={<AllRows {...windowProps} limit={20} />}>
              <VirtualRows {...windowProps} />
            </Suspense>
          ) : (
            <AllRows {...windowProps} />
          )}
        </div>
      ) : (
        // No listbox without options: the state is told as a status message instead.
        <div ref={scrollRef} id={listId} className="pk-online-list-scroll" aria-busy={state === 'loading'}>
          <p className="pk-online-list-message" role="status">
            {state === 'loading'
              ? 'Loading people…'
              : state === 'error'
                ? `Could not load people: ${offline.error?.message}`
                : search
                  ? `No one matches “${query}”`
                  : 'No one here yet'}
          </p>
        </div>
      )}
    </div>
  );
});

interface RowProps {
  id: string;
  userId: string;
  active: boolean;
  top: number;
  height: number;
  onSelect: ((userId: string) => void) | undefined;
  onPointerEnter: () => void;
}

/** One person. Re-renders when that person changes, or when it becomes the active row. */
const OnlineListRow = memo(function OnlineListRow({ id, userId, active, top, height, onSelect, onPointerEnter }: RowProps) {
  const { user } = useUser(userId);
  const status = displayStatus(user === undefined ? undefined : (user?.presence ?? null));
  const name = user?.displayName ?? userId;
  return (
    <div
      id={id}
      role="option"
      aria-selected={active}
      className="pk-online-list-row"
      data-status={status}
      data-active={active || undefined}
      style={{ transform: `translateY(${top}px)`, height }}
      onClick={() => onSelect?.(userId)}
      onPointerEnter={onPointerEnter}
    >
      <UserAvatar userId={userId} size="md" aria-hidden="true" />
      <span className="pk-online-list-text">
        <span className="pk-online-list-name">{name}</span>
        <span className="pk-online-list-detail">
          <span className="pk-visually-hidden">{STATUS_LABELS[status]}. </span>
          {user?.presence?.statusMessage ? <span className="pk-online-list-message-text">{user.presence.statusMessage}</span> : null}
          {user?.presence?.online ? null : <LastSeen userId={userId} className="pk-online-list-seen" />}
        </span>
      </span>
    </div>
  );
});
