import { forwardRef, type HTMLAttributes } from 'react';
import type { RoomMember } from '../core/index.ts';
import { shallowEqual } from '../react/useStoreSelector.ts';
import { useOthers } from '../react/useOthers.ts';
import { cx } from './labels.ts';

/** Props of {@link TypingIndicator}: native div props pass through. */
export interface TypingIndicatorProps extends Omit<HTMLAttributes<HTMLDivElement>, 'children'> {
  /** BCP 47 locale of the list of names; default the browser's. */
  locale?: string;
  /**
   * The text, from the names of who is typing (their first one or two) and how many more. Default: English,
   * "Ada is typing…", "Ada and Grace are typing…", "Ada and 2 others are typing…"; pass your own to translate.
   */
  format?: (names: string[], others: number, locale: string | undefined) => string;
}

/** Names shown before counting the rest. */
const NAMED = 2;

function englishFormat(names: string[], others: number, locale: string | undefined): string {
  if (names.length === 0) return '';
  if (others > 0) return `${names[0]} and ${others} ${others === 1 ? 'other' : 'others'} are typing…`;
  return `${new Intl.ListFormat(locale, { type: 'conjunction' }).format(names)} ${names.length === 1 ? 'is' : 'are'} typing…`;
}

const typingNames = (others: readonly RoomMember[]) =>
  others.flatMap((member) => ((member.presence as { typing?: unknown } | null)?.typing === true ? [member.user?.displayName ?? member.userId] : []));

/**
 * "Ada is typing…" for the others in the room whose room presence says `typing: true` (see `useTyping`).
 * A polite live region, always mounted so screen readers announce what it starts saying; empty when no
 * one types. Names are rendered as text. Inside a `RoomProvider`.
 *
 * @example
 * ```tsx
 * <RoomProvider id="channel:general">
 *   <Messages />
 *   <TypingIndicator />
 *   <Composer />
 * </RoomProvider>
 * ```
 */
export const TypingIndicator = forwardRef<HTMLDivElement, TypingIndicatorProps>(function TypingIndicator(
  { locale, format = englishFormat, className, ...rest },
  ref,
) {
  const names = useOthers(typingNames, shallowEqual);
  // With three or more typing, the first is named and the rest counted ("Ada and 2 others").
  const named = names.length > NAMED ? names.slice(0, 1) : names;
  const text = format(named, names.length - named.length, locale);
  return (
    <div ref={ref} role="status" aria-live="polite" className={cx('pk-typing', className)} data-count={names.length} {...rest}>
      {text}
    </div>
  );
});
