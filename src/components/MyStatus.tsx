import { forwardRef, type HTMLAttributes } from 'react';
import { useCurrentUser } from '../react/useCurrentUser.ts';
import { cx, displayStatus, STATUS_LABELS } from './labels.ts';
import { usePopover } from './popover.ts';
import { StatusPicker, type StatusPickerProps } from './StatusPicker.tsx';
import { UserAvatar } from './UserAvatar.tsx';

/** Props of {@link MyStatus}: native div props pass through. */
export interface MyStatusProps extends Omit<HTMLAttributes<HTMLDivElement>, 'children'> {
  /** Passed to the StatusPicker it opens (emoji choices, locale, onSaved). */
  picker?: Pick<StatusPickerProps, 'emoji' | 'locale' | 'onSaved'>;
}

/**
 * "Me" for an app's header: the signed-in user's avatar, name, status and status message, as one button
 * that opens the {@link StatusPicker} in a popover (closed once saved, by Escape with focus back on the
 * button, or by a click outside). What an app otherwise builds by hand from useCurrentUser. `data-status`
 * is the user's status.
 *
 * @example
 * ```tsx
 * <header><MyStatus /></header>
 * ```
 */
export const MyStatus = forwardRef<HTMLDivElement, MyStatusProps>(function MyStatus({ picker, className, ...rest }, ref) {
  const { user } = useCurrentUser();
  const { open, rootRef, triggerRef, id, toggle, close, onKeyDown, onBlur } = usePopover();
  const presence = user?.presence ?? null;
  const status = displayStatus(user === undefined ? undefined : presence);
  return (
    <div
      ref={(node) => {
        rootRef.current = node;
        if (typeof ref === 'function') ref(node);
        else if (ref) ref.current = node;
      }}
      className={cx('pk-my-status pk-popover', className)}
      data-status={status}
      onKeyDown={onKeyDown}
      onBlur={onBlur}
      {...rest}
    >
      <button
        ref={triggerRef}
        type="button"
        className="pk-my-status-button"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        disabled={!user}
        onClick={toggle}
      >
        {user ? <UserAvatar userId={user.id} size="md" aria-hidden="true" /> : <span className="pk-skeleton pk-skeleton-avatar" />}
        <span className="pk-my-status-text">
          <span className="pk-my-status-name">{user?.displayName ?? ''}</span>
          <span className="pk-my-status-line">
            <span className="pk-dot" data-status={status} aria-hidden="true" />
            {STATUS_LABELS[status]}
            {presence?.statusEmoji || presence?.statusMessage ? ` · ${[presence.statusEmoji, presence.statusMessage].filter(Boolean).join(' ')}` : ''}
          </span>
        </span>
      </button>
      {open ? (
        <div id={id} role="dialog" aria-label="Set your status" className="pk-popover-panel">
          <StatusPicker
            {...picker}
            onSaved={(chosen, message) => {
              close();
              picker?.onSaved?.(chosen, message);
            }}
          />
        </div>
      ) : null}
    </div>
  );
});
