import { forwardRef, type HTMLAttributes } from 'react';
import { useUserPresence } from '../react/useUserPresence.ts';
import { cx, displayStatus, STATUS_LABELS, type DisplayStatus } from './labels.ts';

/** Props of {@link OnlineBadge}: native span props pass through. */
export interface OnlineBadgeProps extends Omit<HTMLAttributes<HTMLSpanElement>, 'children'> {
  userId: string;
  /** Show the status as text beside the dot (default: dot only, named for assistive tech). */
  showLabel?: boolean;
  /** Your own words for each status (translations). */
  labels?: Partial<Record<DisplayStatus, string>>;
}

/**
 * A user's status as a coloured dot, with an optional label. Re-renders only when that user's status
 * changes. State is exposed as `data-status`.
 *
 * @example
 * ```tsx
 * <OnlineBadge userId="grace" showLabel />
 * ```
 */
export const OnlineBadge = forwardRef<HTMLSpanElement, OnlineBadgeProps>(function OnlineBadge({ userId, showLabel = false, labels, className, ...rest }, ref) {
  const status = useUserPresence(userId, displayStatus);
  const label = labels?.[status] ?? STATUS_LABELS[status];
  return (
    <span ref={ref} className={cx('pk-badge', className)} data-status={status} {...(showLabel ? {} : { role: 'img', 'aria-label': label })} {...rest}>
      <span className="pk-dot" aria-hidden="true" />
      {showLabel ? <span className="pk-badge-label">{label}</span> : null}
    </span>
  );
});
