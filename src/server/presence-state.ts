import type { ChosenStatus, CallStatus, JsonValue, Presence, PresencePatch, User } from '../core/protocol/index.ts';
import { PresencePatchSchema } from '../core/protocol/index.ts';
import * as v from 'valibot';

/** What the server knows of one user's presence. Others only ever see `published`. */
export interface PresenceRecord {
  chosen: ChosenStatus;
  statusMessage: string | null;
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
  const changed =
    (patch.status !== undefined && patch.status !== record.chosen) ||
    (patch.statusMessage !== undefined && patch.statusMessage !== record.statusMessage) ||
    (patch.custom !== undefined && JSON.stringify(patch.custom) !== JSON.stringify(record.custom)) ||
    (patch.callStatus !== undefined && patch.callStatus !== record.callStatus) ||
    (patch.utcOffset !== undefined && patch.utcOffset !== record.utcOffset);
  if (!changed) return false;
  if (patch.status !== undefined) record.chosen = patch.status;
  if (patch.statusMessage !== undefined) record.statusMessage = patch.statusMessage;
  if (patch.custom !== undefined) record.custom = patch.custom;
  if (patch.callStatus !== undefined) record.callStatus = patch.callStatus;
  if (patch.utcOffset !== undefined) record.utcOffset = patch.utcOffset;
  record.updatedAt = now;
  return true;
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
