import { forwardRef, useMemo, type HTMLAttributes } from 'react';
import { useOnlineUsers } from '../react/useOnlineUsers.ts';
import { useSession } from '../react/useSession.ts';
import { useUser } from '../react/useUser.ts';
import { cx } from './labels.ts';
import { UserAvatar, type UserAvatarProps } from './UserAvatar.tsx';

/** Props of {@link AvatarStack}: native div props pass through. */
export interface AvatarStackProps extends Omit<HTMLAttributes<HTMLDivElement>, 'children'> {
  /** Whose avatars, in order (default: everyone online, as `useOnlineUsers` says). */
  userIds?: readonly string[];
  /** How many avatars to show before "+N" (default 4). */
  max?: number;
  /** Avatar size (default 'sm'). */
  size?: UserAvatarProps['size'];
  /** Leave the signed-in user out (default false). */
  hideCurrentUser?: boolean;
  /** BCP 47 locale of the summary's list ("Ada, Grace, and 20 others"); default the browser's. */
  locale?: string;
  /**
   * The accessible summary, from the first names and how many others there are. Default: English,
   * "Ada, Grace, and 20 others online" ("No one online" when empty); pass your own to translate.
   */
  summary?: (names: string[], others: number, locale: string | undefined) => string;
}

/** How many people the summary names before counting the rest. */
const NAMED = 2;

function englishSummary(names: string[], others: number, locale: string | undefined): string {
  if (names.length === 0) return 'No one online';
  const parts = others > 0 ? [...names, `${others} ${others === 1 ? 'other' : 'others'}`] : names;
  return `${new Intl.ListFormat(locale, { type: 'conjunction' }).format(parts)} online`;
}

/**
 * Overlapping avatars with a "+N" for the rest, for headers and toolbars: one element for assistive
 * technology, named by a summary ("Ada, Grace, and 20 others online"), its avatars hidden from it.
 * Shows everyone online unless given `userIds`. `data-count` is how many people it stands for.
 *
 * @example
 * ```tsx
 * <AvatarStack max={5} hideCurrentUser />
 * ```
 */
export const AvatarStack = forwardRef<HTMLDivElement, AvatarStackProps>(function AvatarStack({ userIds, ...props }, ref) {
  // Given ids, the online list is not needed: it is subscribed only when shown.
  return userIds ? <AvatarStackView ref={ref} ids={userIds} {...props} /> : <OnlineAvatarStack ref={ref} {...props} />;
});

const OnlineAvatarStack = forwardRef<HTMLDivElement, Omit<AvatarStackProps, 'userIds'>>(function OnlineAvatarStack(props, ref) {
  return <AvatarStackView ref={ref} ids={useOnlineUsers()} {...props} />;
});

/** What the stacks draw, given whose avatars: shared by {@link AvatarStack} and `RoomAvatars`. */
// `total`: how many there are in all when `ids` holds only some (a large room's): the rest count as "+N".
export const AvatarStackView = forwardRef<HTMLDivElement, Omit<AvatarStackProps, 'userIds'> & { ids: readonly string[]; showStatus?: boolean; total?: number }>(
  function AvatarStackView(
    { ids: given, total: givenTotal, max = 4, size = 'sm', hideCurrentUser = false, showStatus = false, locale, summary = englishSummary, className, ...rest },
    ref,
  ) {
    const { userId: me } = useSession();
    const ids = useMemo(() => given.filter((id) => !(hideCurrentUser && id === me)), [given, hideCurrentUser, me]);
    const shown = ids.slice(0, Math.max(0, max));
    const total = Math.max(ids.length, (givenTotal ?? ids.length) - (hideCurrentUser && me !== null && given.includes(me) ? 1 : 0));
    const more = total - shown.length;
    // The summary names the first people by their display names (their ids until the profiles arrive).
    const first = useUser(ids[0] ?? null).user;
    const second = useUser(ids[1] ?? null).user;
    const names = [first?.displayName ?? ids[0], second?.displayName ?? ids[1]].filter((name): name is string => name !== undefined).slice(0, NAMED);
    const label = summary(names, total - names.length, locale);
    return (
      <div ref={ref} role="img" aria-label={label} title={label} className={cx('pk-avatar-stack', className)} data-count={total} {...rest}>
        {shown.map((id, index) => (
          // With status dots, each avatar lies over the next, so its dot (at its lower right) stays visible.
          <UserAvatar
            key={id}
            userId={id}
            size={size}
            showStatus={showStatus}
            aria-hidden="true"
            style={showStatus ? { zIndex: shown.length - index } : undefined}
          />
        ))}
        {more > 0 ? (
          <span className="pk-avatar-stack-more" aria-hidden="true">
            +{more}
          </span>
        ) : null}
      </div>
    );
  },
);
