// Free of the schema library, so the client reads the limits without it.

/**
 * Limits of rooms shared by both sides; the server's defaults (its `limits` option may lower or raise the
 * byte sizes up to {@link ROOM_LIMITS.jsonBytes}).
 *
 * @example
 * ```ts
 * if (roomId.length > ROOM_LIMITS.id) throw new Error('room id too long');
 * ```
 */
export const ROOM_LIMITS = {
  /** Characters of a room id. */
  id: 128,
  /** The most a room presence or a broadcast event may be, whatever the server is configured to allow. */
  jsonBytes: 16 * 1024,
  /** Tabs sharing one socket (lanes) that may be in one room through it. */
  lanes: 16,
} as const;
