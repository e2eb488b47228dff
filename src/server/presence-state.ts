import type { ChosenStatus, CallStatus, JsonValue, Presence, PresencePatch, User } from '../core/protocol/index.ts';
import { LIMITS, PresencePatchSchema } from '../core/protocol/index.ts';
import * as v from 'valibot';

/** What the server knows of one user's presence. Others only ever see `published`. */
export interface PresenceRecord {
  chosen: ChosenStatus;
  statusMessage: string | null;
  statusEmoji: string | null;
  /** When the message and emoji clear themselves (ISO, server clock), or null. */
  statusExpiresAt: string | null;
  custom: JsonValue | null;
  callStatus: CallStatus;
  utcOffset: number | null;
  /** Live connections, real or simulated. Presence is per user: online while this is above zero. */
  connections: number;
  updatedAt: number;
  /** The presence everyone else sees; frozen while the user is invisible, so nothing leaks. */
  published: Presence;
  /** Per client instance, the counter of its newest applied change (a few instances at most). */
  applied: Map<string, number>;
  /**
   * The profile others see while the user is invisible: edits made meanwhile are shown to them only
   * when the user is visible again, so an edit never betrays that they are around. Unset otherwise.
   */
  frozenProfile?: User;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A never-seen user's record.
 *
 * @example
 * ```ts
 * const record = newPresenceRecord(Date.now());
 * ```
 */
export function newPresenceRecord(now: number): PresenceRecord {
  return {
    chosen: 'online',
    statusMessage: null,
    statusEmoji: null,
    statusExpiresAt: null,
    custom: null,
    callStatus: 'available',
    utcOffset: null,
    connections: 0,
    updatedAt: now,
    applied: new Map(),
    published: {
      online: false,
      status: 'offline',
      statusMessage: null,
      statusEmoji: null,
      statusExpiresAt: null,
      custom: null,
      callStatus: 'available',
      lastOnline: null,
      utcOffset: null,
      updatedAt: iso(now),
    },
  };
}

/**
 * The record's owner's own view: it may say 'invisible'.
 *
 * @example
 * ```ts
 * ownPresence(record).status; // 'invisible' for its owner, 'offline' for others
 * ```
 */
export function ownPresence(record: PresenceRecord): Presence {
  const connected = record.connections > 0;
  return {
    online: connected,
    status: connected ? record.chosen : 'offline',
    statusMessage: record.statusMessage,
    statusEmoji: record.statusEmoji,
    statusExpiresAt: record.statusExpiresAt,
    custom: record.custom,
    callStatus: connected ? record.callStatus : 'available',
    lastOnline: record.published.lastOnline,
    utcOffset: record.utcOffset,
    updatedAt: iso(record.updatedAt),
  };
}

/**
 * Recomputes what others see. Returns true when that changed (and so must be broadcast).
 * A user who looks offline (no connection, or invisible) keeps their last public state, with
 * `lastOnline` stamped by the server clock at the moment they stopped looking online.
 *
 * @example
 * ```ts
 * record.connections -= 1;
 * if (republish(record, Date.now())) broadcast(record.published);
 * ```
 */
export function republish(record: PresenceRecord, now: number): boolean {
  const before = record.published;
  const visible = record.connections > 0 && record.chosen !== 'invisible';
  let next: Presence;
  if (visible) {
    next = {
      online: true,
      status: record.chosen,
      statusMessage: record.statusMessage,
      statusEmoji: record.statusEmoji,
      statusExpiresAt: record.statusExpiresAt,
      custom: record.custom,
      callStatus: record.callStatus,
      lastOnline: before.lastOnline,
      utcOffset: record.utcOffset,
      updatedAt: before.updatedAt,
    };
  } else if (before.online) {
    next = { ...before, online: false, status: 'offline', callStatus: 'available', lastOnline: iso(now) };
  } else {
    return false;
  }
  const changed =
    next.online !== before.online ||
    next.status !== before.status ||
    next.statusMessage !== before.statusMessage ||
    next.statusEmoji !== before.statusEmoji ||
    next.statusExpiresAt !== before.statusExpiresAt ||
    next.callStatus !== before.callStatus ||
    next.utcOffset !== before.utcOffset ||
    next.lastOnline !== before.lastOnline ||
    JSON.stringify(next.custom) !== JSON.stringify(before.custom);
  if (changed) record.published = { ...next, updatedAt: iso(now) };
  return changed;
}

/**
 * Applies a validated patch to the record (the caller republishes). Returns false, touching nothing,
 * when the patch changes nothing: a repeated status is not a change anyone hears of.
 *
 * @example
 * ```ts
 * if (applyPatch(record, { status: 'busy' }, Date.now())) republish(record, Date.now());
 * ```
 */
export function applyPatch(record: PresenceRecord, patch: v.InferOutput<typeof PresencePatchSchema>, now: number): boolean {
  const text = statusTextAfter(record, patch, now);
  const changed =
    (patch.status !== undefined && patch.status !== record.chosen) ||
    text.statusMessage !== record.statusMessage ||
    text.statusEmoji !== record.statusEmoji ||
    text.statusExpiresAt !== record.statusExpiresAt ||
    (patch.custom !== undefined && JSON.stringify(patch.custom) !== JSON.stringify(record.custom)) ||
    (patch.callStatus !== undefined && patch.callStatus !== record.callStatus) ||
    (patch.utcOffset !== undefined && patch.utcOffset !== record.utcOffset);
  if (!changed) return false;
  if (patch.status !== undefined) record.chosen = patch.status;
  Object.assign(record, text);
  if (patch.custom !== undefined) record.custom = patch.custom;
  if (patch.callStatus !== undefined) record.callStatus = patch.callStatus;
  if (patch.utcOffset !== undefined) record.utcOffset = patch.utcOffset;
  record.updatedAt = now;
  return true;
}

type StatusText = Pick<PresenceRecord, 'statusMessage' | 'statusEmoji' | 'statusExpiresAt'>;

/**
 * The message, emoji and expiry after a patch. They are one thing to the user: a new message or emoji
 * comes with its own expiry (none unless given), nothing left to expire has no expiry, and an expiry
 * already past (a change queued offline for hours) clears them. Clamped to the server's clock, since the
 * sender checked the limit against its own.
 */
function statusTextAfter(record: StatusText, patch: v.InferOutput<typeof PresencePatchSchema>, now: number): StatusText {
  const statusMessage = patch.statusMessage !== undefined ? patch.statusMessage : record.statusMessage;
  const statusEmoji = patch.statusEmoji !== undefined ? patch.statusEmoji : record.statusEmoji;
  const newText = patch.statusMessage !== undefined || patch.statusEmoji !== undefined;
  let expiresAt = patch.statusExpiresAt !== undefined ? patch.statusExpiresAt : newText ? null : record.statusExpiresAt;
  if (statusMessage === null && statusEmoji === null) expiresAt = null;
  if (expiresAt === null) return { statusMessage, statusEmoji, statusExpiresAt: null };
  const at = Math.min(Date.parse(expiresAt), now + LIMITS.statusExpiryMs);
  if (at <= now) return { statusMessage: null, statusEmoji: null, statusExpiresAt: null };
  return { statusMessage, statusEmoji, statusExpiresAt: iso(at) };
}

/**
 * A status message set to clear at `expiresAt` does so, in the owner's state and in what others see
 * (where the expiry was published: one set while invisible was never shown, so nothing shows it went).
 * Applied by expiry, not by the user, so clearing the public copy of an invisible or offline user
 * betrays nothing. Says which of the two changed; the caller broadcasts.
 *
 * @example
 * ```ts
 * const { own, published } = expireStatus(record, '2026-11-23T10:00:00.000Z', Date.now());
 * ```
 */
export function expireStatus(record: PresenceRecord, expiresAt: string, now: number): { own: boolean; published: boolean } {
  const cleared = { statusMessage: null, statusEmoji: null, statusExpiresAt: null };
  const own = record.statusExpiresAt === expiresAt;
  if (own) {
    Object.assign(record, cleared);
    record.updatedAt = now;
  }
  const published = record.published.statusExpiresAt === expiresAt;
  if (published) record.published = { ...record.published, ...cleared, updatedAt: iso(now) };
  return { own, published };
}

/** The expiry times a record still waits for (its own, and the one others see if it differs). */
export function pendingExpiries(record: PresenceRecord): string[] {
  const times = new Set([record.statusExpiresAt, record.published.statusExpiresAt]);
  times.delete(null);
  return [...times] as string[];
}

/** Client instances remembered per user for ordering; the oldest is forgotten beyond this. */
const ORIGINS_KEPT = 16;

/**
 * True when a change numbered `n` from client instance `origin` is newer than any applied from it, and
 * records it. A frame that a dead connection delivers late, after newer ones, is stale.
 *
 * @example
 * ```ts
 * if (isNewer(record, 'tab-1', 7)) applyPatch(record, patch, now);
 * ```
 */
export function isNewer(record: PresenceRecord, origin: string, n: number): boolean {
  const last = record.applied.get(origin);
  if (last !== undefined && n <= last) return false;
  record.applied.delete(origin);
  record.applied.set(origin, n);
  if (record.applied.size > ORIGINS_KEPT) record.applied.delete(record.applied.keys().next().value!);
  return true;
}

export type { PresencePatch };
