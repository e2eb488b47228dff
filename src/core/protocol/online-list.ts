import * as v from 'valibot';
import { RequestId } from './parse.ts';
import { LaneSchema } from './rooms.ts';
import { ONLINE_LIST_LIMITS } from './online-list-limits.ts';
import { UserViewSchema } from './model.ts';

export { ONLINE_LIST_LIMITS } from './online-list-limits.ts';
export type { OnlineCounts } from './online-list-limits.ts';

/**
 * People online, by section, as one viewer may see them: nobody hidden from the viewer by a block or by the
 * audience rule is counted, and invisible users are offline to everyone but themselves.
 */
export const OnlineCountsSchema = v.object({ online: v.number(), away: v.number(), busy: v.number() });

const Rows = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(ONLINE_LIST_LIMITS.windowRows));

/** What a client may ask of the online list beyond `subscribe` (docs/protocol.md, "Large audiences"). */
export const OnlineListClientMessageSchemas = [
  /**
   * Watch rows `from` to `from + count` of the online list in its stable order (online, away, busy; each by
   * display name, then id), among those matching `query` when given. Replaces the connection's window;
   * `count: 0` ends it. Answered by `online-rows`, sent again whenever those rows or the counts change.
   */
  v.object({
    type: v.literal('online-window'),
    rid: RequestId,
    from: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(ONLINE_LIST_LIMITS.maxFrom)),
    count: Rows,
    query: v.optional(v.pipe(v.string(), v.maxLength(ONLINE_LIST_LIMITS.queryChars))),
    /** The tab's lane when tabs share the socket: each lane has a window of its own (see docs/protocol.md). */
    lane: LaneSchema,
  }),
] as const;

/** A window request as a client sends it. @example `{ type: 'online-window', rid: 3, from: 0, count: 60 }` */
export type OnlineListClientMessage = v.InferOutput<(typeof OnlineListClientMessageSchemas)[number]>;

/** What the server sends of the online list beyond presence frames. */
export const OnlineListServerMessageSchemas = [
  /**
   * The viewer's counts, at most once a second while they change, to online-list watchers. `large`: the
   * list is past the server's `announceMax`, so its watchers no longer hear of every change (only of the
   * users they watch by name or in a window): a client drops what it held of the rest, and asks for the
   * whole list again when `large` turns false.
   */
  v.object({ type: v.literal('online-count'), counts: OnlineCountsSchema, large: v.boolean() }),
  /**
   * The rows of the connection's window: `ids` in order from `from`, `counts` the rows matching its search
   * per section (all of them without one), `users` the views of ids the connection was not sent in its window
   * before. `rid` when it answers `online-window`.
   * Every view in `users` is as of the frame: no change before it on this socket is newer.
   */
  v.object({
    type: v.literal('online-rows'),
    rid: RequestId,
    /** The lane whose window this is, when it asked with one. */
    lane: v.optional(v.string()),
    from: v.number(),
    ids: v.array(v.string()),
    users: v.array(UserViewSchema),
    counts: OnlineCountsSchema,
  }),
] as const;
