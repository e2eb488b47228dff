// The profile edit a user makes to themself: its own module, so a bundle that never edits a profile
// (a list of avatars) leaves out this schema and the strict-object check it alone needs.
import * as v from 'valibot';
import { MetadataSchema, SafeUrlSchema, TagsSchema, UsernameSchema, displayText } from './fields.ts';
import { LIMITS } from './limits.ts';

/** `PATCH /api/v1/me`: a user's own profile. `role`, `id`, `kind` and `isGuest` are not the user's to change. */
export const UpdateMeInputSchema = v.strictObject({
  username: v.optional(UsernameSchema),
  displayName: v.optional(displayText(LIMITS.displayName)),
  avatarUrl: v.optional(v.nullable(SafeUrlSchema)),
  tags: v.optional(TagsSchema),
  metadata: v.optional(MetadataSchema),
  profileUrl: v.optional(v.nullable(SafeUrlSchema)),
});

/** Body of `PATCH /api/v1/me`. @example `{ displayName: 'Ada L.' }` */
export type UpdateMeInput = v.InferInput<typeof UpdateMeInputSchema>;
