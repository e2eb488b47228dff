// The protocol's closed lists, free of the schema library so the client reads them without it.

/** Availability others can see. A user who chose 'invisible' is shown to everyone else as 'offline'. @example `PUBLIC_STATUSES.includes(presence.status)` */
export const PUBLIC_STATUSES = ['online', 'away', 'busy', 'offline'] as const;
/** What a user can choose for themself. @example `CHOSEN_STATUSES.map((status) => <option key={status}>{status}</option>)` */
export const CHOSEN_STATUSES = ['online', 'away', 'busy', 'invisible'] as const;
/** Every status value on the wire: 'invisible' only ever reaches its owner. @example `STATUSES.length // 5` */
export const STATUSES = ['online', 'away', 'busy', 'offline', 'invisible'] as const;
/** Whether a user is in a call. @example `CALL_STATUSES[1] // 'in-call'` */
export const CALL_STATUSES = ['available', 'in-call'] as const;
/** A person or a bot. @example `USER_KINDS.includes(user.kind)` */
export const USER_KINDS = ['person', 'bot'] as const;

/** @example `const s: PresenceStatus = 'away';` */
export type PresenceStatus = (typeof STATUSES)[number];
/** @example `client.setStatus({ status: 'invisible' satisfies ChosenStatus });` */
export type ChosenStatus = (typeof CHOSEN_STATUSES)[number];
/** @example `const c: CallStatus = 'in-call';` */
export type CallStatus = (typeof CALL_STATUSES)[number];
/** @example `const k: UserKind = 'bot';` */
export type UserKind = (typeof USER_KINDS)[number];
