import { forwardRef, useState, type HTMLAttributes } from 'react';
import { isSafeImageUrl } from '../core/protocol/checks.ts';
import { useUser } from '../react/useUser.ts';
import { cx, displayStatus, STATUS_LABELS } from './labels.ts';

/** Props of {@link UserAvatar}: native span props pass through. */
export interface UserAvatarProps extends Omit<HTMLAttributes<HTMLSpanElement>, 'children'> {
  userId: string;
  /** 'sm' 24px, 'md' 36px (default), 'lg' 56px, or a pixel size. */
  size?: 'sm' | 'md' | 'lg' | number;
  /** Show the status dot (default true). */
  showStatus?: boolean;
}

const SIZES = { sm: 24, md: 36, lg: 56 } as const;

/** A stable hue per user id, so initials discs tell people apart. */
function hueOf(id: string): number {
  // FNV-1a, then a final mix: ids that differ in one character ('sim-1', 'sim-2') land far apart.
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  return ((hash ^ (hash >>> 13)) >>> 0) % 360;
}

/**
 * Initials of a display name: the first letters of the first and last words ("Ada Lovelace" → "AL").
 *
 * @example
 * ```ts
 * initialsOf('Grace Brewster Hopper'); // 'GH'
 * ```
 */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = Array.from(words[0] ?? '?')[0] ?? '?';
  const last = words.length > 1 ? (Array.from(words.at(-1)!)[0] ?? '') : '';
  return (first + last).toUpperCase();
}

/**
 * A user's picture with a status dot; initials when there is no picture, it fails to load, or its URL
 * is not a safe image (only http(s) and raster data URLs are ever loaded). `data-state` is
 * 'loading', 'image' or 'fallback'; `data-status` is the user's status.
 *
 * @example
 * ```tsx
 * <UserAvatar userId="ada" size="lg" />
 * ```
 */
export const UserAvatar = forwardRef<HTMLSpanElement, UserAvatarProps>(function UserAvatar(
  { userId, size = 'md', showStatus = true, className, style, ...rest },
  ref,
) {
  const { user, status: loadStatus } = useUser(userId);
  const [failedUrl, setFailedUrl] = useState<string | null>(null);
  const url = user?.avatarUrl ?? null;
  const showImage = url !== null && url !== failedUrl && isSafeImageUrl(url);
  const status = displayStatus(user === undefined ? undefined : (user?.presence ?? null));
  const name = user?.displayName ?? (loadStatus === 'not-found' ? 'Unknown user' : 'Loading user');
  const pixels = typeof size === 'number' ? size : SIZES[size];
  const state = user === undefined ? 'loading' : showImage ? 'image' : 'fallback';
  return (
    <span
      ref={ref}
      role="img"
      aria-label={showStatus ? `${name} (${STATUS_LABELS[status]})` : name}
      className={cx('pk-avatar', className)}
      data-state={state}
      data-status={status}
      data-size={typeof size === 'number' ? 'custom' : size}
      style={{ ['--pk-avatar-size' as string]: `${pixels}px`, ['--pk-avatar-hue' as string]: hueOf(userId), ...style }}
      {...rest}
    >
      {showImage ? (
        <img className="pk-avatar-image" src={url} alt="" draggable={false} referrerPolicy="no-referrer" onError={() => setFailedUrl(url)} />
      ) : (
        <span className="pk-avatar-initials" aria-hidden="true">
          {user ? (pixels < 28 ? Array.from(initialsOf(user.displayName))[0] : initialsOf(user.displayName)) : ''}
        </span>
      )}
      {showStatus ? <span className="pk-dot pk-avatar-dot" data-status={status} aria-hidden="true" /> : null}
    </span>
  );
});
