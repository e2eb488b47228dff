import type { PresenceStatus } from '../core/index.ts';

/** What a component shows for a user's status: one of the statuses, or why there is none. */
export type DisplayStatus = PresenceStatus | 'unknown' | 'hidden';

/** English labels; pass your own `labels` prop to translate. */
export const STATUS_LABELS: Record<DisplayStatus, string> = {
  online: 'Online',
  away: 'Away',
  busy: 'Busy',
  offline: 'Offline',
  invisible: 'Invisible',
  unknown: 'Status unknown',
  hidden: 'Status hidden',
};

/** undefined (not known yet) and null (hidden by a block) become display statuses of their own. */
export function displayStatus(presence: { status: PresenceStatus } | null | undefined): DisplayStatus {
  if (presence === undefined) return 'unknown';
  if (presence === null) return 'hidden';
  return presence.status;
}

/** Joins class names, skipping empty ones. */
export function cx(...names: Array<string | false | null | undefined>): string {
  return names.filter(Boolean).join(' ');
}
