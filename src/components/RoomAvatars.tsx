import { forwardRef, useMemo } from 'react';
import { useOtherIds } from '../react/useOthers.ts';
import { useRoomOccupancy } from '../react/useRoomOccupancy.ts';
import { useSelf } from '../react/useSelf.ts';
import { AvatarStackView, type AvatarStackProps } from './AvatarStack.tsx';

/** Props of {@link RoomAvatars}: those of `AvatarStack` but `userIds` (the room says who). */
export interface RoomAvatarsProps extends Omit<AvatarStackProps, 'userIds'> {
  /** Each avatar's global status dot (default true). */
  showStatus?: boolean;
}

function englishSummary(names: string[], others: number, locale: string | undefined): string {
  if (names.length === 0) return 'No one here';
  const parts = others > 0 ? [...names, `${others} ${others === 1 ? 'other' : 'others'}`] : names;
  return `${new Intl.ListFormat(locale, { type: 'conjunction' }).format(parts)} here`;
}

/**
 * "Who's here": the avatars of the room's members (you first, as others see you, unless `hideCurrentUser`), each with their
 * global status dot, and "+N" for the rest (in a large room, the server's count less the faces shown); named for assistive technology by a summary ("Ada, Grace, and
 * 3 others here"). Inside a `RoomProvider`.
 *
 * @example
 * ```tsx
 * <RoomProvider id="doc:42">
 *   <RoomAvatars max={5} />
 * </RoomProvider>
 * ```
 */
export const RoomAvatars = forwardRef<HTMLDivElement, RoomAvatarsProps>(function RoomAvatars({ showStatus = true, summary = englishSummary, ...props }, ref) {
  const others = useOtherIds();
  // You, as others see you: listed by the server (not while invisible, nor with `read` access).
  const me = useSelf((self) => (self && self.connections.length > 0 ? self.userId : null));
  const ids = useMemo(() => (me !== null ? [me, ...others] : others), [me, others]);
  // A large room: the faces the client holds (yours, your window's), and the server's count for the rest.
  const { large, count } = useRoomOccupancy();
  return <AvatarStackView ref={ref} ids={ids} {...(large && count !== null ? { total: count } : {})} showStatus={showStatus} summary={summary} {...props} />;
});
