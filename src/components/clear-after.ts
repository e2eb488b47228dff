/** When a status message clears itself, as the StatusPicker offers it (Slack's "Clear after"). */
export type ClearAfter = 'never' | '30m' | '1h' | '4h' | 'today' | 'as-set';

/** English labels of the choices; 'as-set' is worded by {@link formatClearsAt}. */
export const CLEAR_AFTER_LABELS: Record<Exclude<ClearAfter, 'as-set'>, string> = {
  never: "Don't clear",
  '30m': '30 minutes',
  '1h': '1 hour',
  '4h': '4 hours',
  today: 'Today',
};

const MINUTE = 60_000;
const DURATIONS = { '30m': 30 * MINUTE, '1h': 60 * MINUTE, '4h': 240 * MINUTE } as const;

/**
 * The `statusExpiresAt` a choice means at `now`: null for never, the end of the local day for 'today',
 * `current` (what the server holds) for 'as-set'.
 */
export function expiryOf(choice: ClearAfter, now: number, current: string | null): string | null {
  if (choice === 'never') return null;
  if (choice === 'as-set') return current;
  if (choice === 'today') {
    const midnight = new Date(now);
    midnight.setHours(24, 0, 0, 0);
    return midnight.toISOString();
  }
  return new Date(now + DURATIONS[choice]).toISOString();
}

/** "Clears at 14:30", with the weekday when it is not today, in the locale. */
export function formatClearsAt(at: string, now: number, locale?: string): string {
  const when = new Date(at);
  const sameDay = new Date(now).toDateString() === when.toDateString();
  const format = new Intl.DateTimeFormat(locale, sameDay ? { timeStyle: 'short' } : { weekday: 'short', hour: 'numeric', minute: '2-digit' });
  return format.format(when);
}
