// REST answers that list users: their own module, so a bundle that never lists users over REST leaves
// them out.
import * as v from 'valibot';
import { TimestampSchema } from './fields.ts';
import { UserViewSchema } from './model.ts';

/** `GET /api/v1/users.presence?from=` (Rocket.Chat semantics). */
export const PresenceDeltaSchema = v.object({
  /** Users whose presence or profile changed since `from`, or everyone in scope when `full`. */
  users: v.array(UserViewSchema),
  /** Ids deleted since `from` (empty when `full`). */
  removed: v.array(v.string()),
  /** True when `from` was missing or older than the catch-up window: `users` is everything. */
  full: v.boolean(),
  /** The change cursor to pass as `from` next time (server sequence number). */
  seq: v.number(),
  /** Server clock when this was produced; also accepted as `from`. */
  serverTime: TimestampSchema,
  success: v.literal(true),
});

/** Response of the presence delta. @example `if (delta.full) replaceAll(delta.users);` */
export type PresenceDelta = v.InferOutput<typeof PresenceDeltaSchema>;

/** A page of `GET /api/v1/users`. */
export const UserPageSchema = v.object({
  users: v.array(UserViewSchema),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: v.nullable(v.string()),
});

/** One page of users. @example `for (const user of page.users) ...` */
export type UserPage = v.InferOutput<typeof UserPageSchema>;
