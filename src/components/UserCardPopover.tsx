import { useEffect, useRef, type ReactNode } from 'react';
import { useUser } from '../react/useUser.ts';
import { usePopover } from './popover.ts';
import { UserCard } from './UserCard.tsx';

/** Props of {@link UserCardPopover}. */
export interface UserCardPopoverProps {
  userId: string;
  /** What opens the card: an avatar, a name. It is put in a button, so keep it free of other controls. */
  children: ReactNode;
  /** BCP 47 locale for the card's times. */
  locale?: string;
  /** How long the pointer rests on the trigger before the card opens (default 400 ms; a click opens it at once). */
  hoverDelayMs?: number;
}

/**
 * Opens a {@link UserCard} from anything that shows a person: on hover (after a short rest), on click or
 * Enter, and closes on Escape (focus back on the trigger), a click outside, or the pointer or focus
 * leaving. The card is a non-modal dialog named after the person.
 *
 * @example
 * ```tsx
 * <UserCardPopover userId="grace">
 *   <UserAvatar userId="grace" />
 * </UserCardPopover>
 * ```
 */
export function UserCardPopover({ userId, children, locale, hoverDelayMs = 400 }: UserCardPopoverProps) {
  const { open, setOpen, rootRef, triggerRef, id, toggle, onKeyDown, onBlur } = usePopover();
  const { user } = useUser(userId);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const later = (next: boolean, ms: number) => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setOpen(next), ms);
  };
  useEffect(() => () => clearTimeout(timer.current), []);
  return (
    <span
      ref={rootRef}
      className="pk-popover"
      onPointerEnter={(event) => event.pointerType === 'mouse' && later(true, hoverDelayMs)}
      onPointerLeave={(event) => event.pointerType === 'mouse' && later(false, 200)}
      onKeyDown={onKeyDown}
      onBlur={onBlur}
    >
      <button
        ref={triggerRef}
        type="button"
        className="pk-popover-trigger"
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        onClick={() => {
          clearTimeout(timer.current);
          toggle();
        }}
      >
        {children}
      </button>
      {open ? (
        <div id={id} role="dialog" aria-label={`Profile of ${user?.displayName ?? userId}`} className="pk-popover-panel">
          <UserCard userId={userId} {...(locale === undefined ? {} : { locale })} />
        </div>
      ) : null}
    </span>
  );
}
