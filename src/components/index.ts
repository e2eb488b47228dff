/**
 * The drop-in components, imported from `presence-kit` or `presence-kit/components`; their stylesheet is `presence-kit/styles.css`.
 *
 * @packageDocumentation
 * @module presence-kit/components
 */
export { OnlineBadge } from './OnlineBadge.tsx';
export type { OnlineBadgeProps } from './OnlineBadge.tsx';
export { UserAvatar, initialsOf } from './UserAvatar.tsx';
export type { UserAvatarProps } from './UserAvatar.tsx';
export { AvatarStack } from './AvatarStack.tsx';
export type { AvatarStackProps } from './AvatarStack.tsx';
export { RoomAvatars } from './RoomAvatars.tsx';
export { RoomMemberList } from './RoomMemberList.tsx';
export type { RoomMemberListProps } from './RoomMemberList.tsx';
export type { RoomAvatarsProps } from './RoomAvatars.tsx';
export { TypingIndicator } from './TypingIndicator.tsx';
export type { TypingIndicatorProps } from './TypingIndicator.tsx';
export { OnlineList } from './OnlineList.tsx';
export type { OnlineListProps } from './OnlineList.tsx';
export { LastSeen, formatLastSeen } from './LastSeen.tsx';
export type { LastSeenProps } from './LastSeen.tsx';
export { StatusPicker } from './StatusPicker.tsx';
export type { StatusPickerProps } from './StatusPicker.tsx';
export { UserCard, localTimeOf } from './UserCard.tsx';
export type { UserCardProps } from './UserCard.tsx';
export { UserCardPopover } from './UserCardPopover.tsx';
export type { UserCardPopoverProps } from './UserCardPopover.tsx';
export { MyStatus } from './MyStatus.tsx';
export type { MyStatusProps } from './MyStatus.tsx';
export { ConnectionStatus } from './ConnectionStatus.tsx';
export type { ConnectionMessage, ConnectionStatusProps } from './ConnectionStatus.tsx';
export { STATUS_LABELS } from './labels.ts';
export type { DisplayStatus } from './labels.ts';
