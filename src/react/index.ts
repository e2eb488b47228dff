/**
 * React: PresenceProvider and the hooks, imported from `presence-kit` (which also re-exports the components and the core).
 *
 * @packageDocumentation
 * @module presence-kit
 */
export { PresenceProvider } from './PresenceProvider.tsx';
export type { PresenceProviderProps } from './PresenceProvider.tsx';
export { usePresenceClient } from './usePresenceClient.ts';
export { useConnectionState } from './useConnectionState.ts';
export type { ConnectionState } from './useConnectionState.ts';
export { useUser } from './useUser.ts';
export type { UseUserResult } from './useUser.ts';
export { useUserPresence } from './useUserPresence.ts';
export { useCurrentUser } from './useCurrentUser.ts';
export type { UseCurrentUserResult } from './useCurrentUser.ts';
export { useUsers } from './useUsers.ts';
export type { UseUsersResult } from './useUsers.ts';
export { useOnlineUsers } from './useOnlineUsers.ts';
export { useOnlineUsersByStatus } from './useOnlineUsersByStatus.ts';
export type { OnlineUsersByStatus } from './useOnlineUsersByStatus.ts';
export { useOnlineCount } from './useOnlineCount.ts';
export type { OnlineCount } from './useOnlineCount.ts';
export { useOnlineWindow } from './useOnlineWindow.ts';
export { useOnConnect, useOnConnectionEvent, useOnDisconnect, useOnStatusUpdate, useOnUserPresenceChanged } from './useUserEvents.ts';
export { useBlockedUsers } from './useBlockedUsers.ts';
export type { UseBlockedUsersResult } from './useBlockedUsers.ts';
export { useSession } from './useSession.ts';
export type { UseSessionResult } from './useSession.ts';
export { shallowEqual } from './useStoreSelector.ts';
export { RoomProvider, useRoom } from './RoomProvider.tsx';
export type { RoomProviderProps } from './RoomProvider.tsx';
export { useOther, useOtherIds, useOthers } from './useOthers.ts';
export { useMyPresence, useUpdateMyPresence } from './useMyPresence.ts';
export { useSelf } from './useSelf.ts';
export { useRoomOccupancy } from './useRoomOccupancy.ts';
export { useRoomWindow } from './useRoomWindow.ts';
export { useTyping } from './useTyping.ts';
export type { UseTypingResult } from './useTyping.ts';
export { useBroadcastEvent, useRoomEvent } from './useRoomEvents.ts';
