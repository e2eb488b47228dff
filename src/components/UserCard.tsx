import { forwardRef, type HTMLAttributes } from 'react';
import { useUser } from '../react/useUser.ts';
import { formatClearsAt } from './clear-after.ts';
import { useNow } from './clock.ts';
import { cx, displayStatus, STATUS_LABELS } from './labels.ts';
import { LastSeen } from './LastSeen.tsx';
import { UserAvatar } from './UserAvatar.tsx';

/** Props of {@link UserCard}: native div props pass through. */
export interface UserCardProps extends Omit<HTMLAttributes<HTMLDivElement>, 'children'> {
  userId: string;
  /** BCP 47 locale for times (default: the browser's). */
  locale?: string;
}

/**
 * The time where the user is, from the UTC offset their device reported ("14:05"), or null.
 *
 * @example
 * ```ts
 * localTimeOf(2, Date.now(), 'en-GB'); // '16:05' when it is 14:05 UTC
 * ```
 */
export function localTimeOf(utcOffset: number | null | undefined, now: number, locale?: string): string | null {
  if (typeof utcOffset !== 'number' || !Number.isFinite(utcOffset)) return null;
  // Formatted as UTC after shifting: Intl has no zone for an offset like +5.75.
  return new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone: 'UTC' }).format(now + utcOffset * 3_600_000);
}

/**
 * A user's profile card: large avatar with status, name and handle, status with its message, emoji and
 * when it clears, their local time (from `utcOffset`), and when they were last seen if offline. What a
 * chat product shows on hover or click of a person: {@link UserCardPopover} opens it from any avatar.
 * Message and names are rendered as text. `data-status` is the user's status.
 *
 * @example
 * ```tsx
 * <UserCard userId="grace" />
 * ```
 */
export const UserCard = forwardRef<HTMLDivElement, UserCardProps>(function UserCard({ userId, locale, className, ...rest }, ref) {
  const { user } = useUser(userId);
  const now = useNow();
  const presence = user?.presence ?? null;
  const status = displayStatus(user === undefined ? undefined : presence);
  const localTime = localTimeOf(presence?.utcOffset, now, locale);
  return (
    <div ref={ref} className={cx('pk-card', className)} data-status={status} {...rest}>
      <UserAvatar userId={userId} size="lg" aria-hidden="true" />
      <div className="pk-card-text">
        <p className="pk-card-name">{user?.displayName ?? userId}</p>
        {user ? <p className="pk-card-handle">@{user.username}</p> : null}
        <p className="pk-card-status">
          <span className="pk-dot" data-status={status} aria-hidden="true" />
          {STATUS_LABELS[status]}
          {presence && !presence.online && presence.lastOnline ? (
            <>
              {' · last seen '}
              <LastSeen userId={userId} locale={locale} />
            </>
          ) : null}
        </p>
        {/* What they are doing is news only while they are here (as OnlineList shows it). */}
        {presence?.online && (presence.statusMessage || presence.statusEmoji) ? (
          <p className="pk-card-message">
            {presence.statusEmoji ? <span aria-hidden={presence.statusMessage ? true : undefined}>{presence.statusEmoji} </span> : null}
            {presence.statusMessage}
            {presence.statusExpiresAt ? <span className="pk-card-until"> · until {formatClearsAt(presence.statusExpiresAt, now, locale)}</span> : null}
          </p>
        ) : null}
        {localTime ? <p className="pk-card-time">{localTime} local time</p> : null}
      </div>
    </div>
  );
});
