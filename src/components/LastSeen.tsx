import { forwardRef, useMemo, type HTMLAttributes } from 'react';
import { useUserPresence } from '../react/useUserPresence.ts';
import { shallowEqual } from '../react/useStoreSelector.ts';
import { useNow } from './clock.ts';
import { cx } from './labels.ts';

/** Props of {@link LastSeen}: native `time` props pass through. */
export interface LastSeenProps extends Omit<HTMLAttributes<HTMLTimeElement>, 'children'> {
  userId: string;
  /** BCP 47 locale for the wording (default: the browser's). */
  locale?: string;
  /** Text while the user is online (default "Online"; pass the word in your app's language). */
  onlineText?: string;
  /** Text for someone who went offline less than a minute ago (default "just now"). */
  justNowText?: string;
  /** Text when there is nothing to show (never seen, or hidden). Default "Not seen yet". */
  neverText?: string;
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/**
 * "5 minutes ago", in the given locale, from a time and the current time.
 *
 * @example
 * ```ts
 * formatLastSeen(Date.now() - 300_000, Date.now(), 'en'); // '5 minutes ago'
 * ```
 */
export function formatLastSeen(at: number, now: number, locale?: string): string {
  const seconds = Math.round((at - now) / 1000);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(0, 'second');
}

/**
 * When a user was last online ("5 minutes ago", locale-aware, as a `<time>`); "Online" while online and
 * "just now" within a minute of leaving (Intl words both as "now", which said the same of someone here
 * and someone gone). Those two words are English by default, like the kit's other labels: pass
 * `onlineText` and `justNowText` to translate them. All instances share one timer.
 *
 * @example
 * ```tsx
 * <LastSeen userId="grace" locale="fr" />
 * ```
 */
export const LastSeen = forwardRef<HTMLTimeElement, LastSeenProps>(function LastSeen(
  { userId, locale, onlineText = 'Online', justNowText = 'just now', neverText = 'Not seen yet', className, ...rest },
  ref,
) {
  const { online, lastOnline } = useUserPresence(
    userId,
    (presence) => ({ online: presence?.online === true, lastOnline: presence?.lastOnline ?? null }),
    shallowEqual,
  );
  const now = useNow();
  const at = lastOnline === null ? null : Date.parse(lastOnline);
  const text = useMemo(
    () => (online ? onlineText : at === null ? neverText : now - at < 60_000 ? justNowText : formatLastSeen(at, now, locale)),
    [online, at, now, locale, onlineText, justNowText, neverText],
  );
  return (
    <time
      ref={ref}
      className={cx('pk-last-seen', className)}
      data-state={online ? 'online' : at === null ? 'never' : 'offline'}
      dateTime={at === null ? undefined : new Date(at).toISOString()}
      title={at === null ? undefined : new Date(at).toLocaleString(locale)}
      // Relative time depends on the clock: server and browser may word it differently.
      suppressHydrationWarning
      {...rest}
    >
      {text}
    </time>
  );
});
