import * as v from 'valibot';
import { MetadataSchema, SafeUrlSchema, TagsSchema, UserIdSchema, UsernameSchema, displayText } from './fields.ts';
import { LIMITS } from './limits.ts';
import { USER_KINDS } from './model.ts';
import { UpdateMeInputSchema } from './update-me.ts';

// Admin inputs: validated by the server only, so a client bundle never carries them.

/** `POST /api/v1/users` (admin). */
export const CreateUserInputSchema = v.object({
  /** Chosen by you (CometChat uid); generated when omitted. */
  id: v.optional(UserIdSchema),
  username: UsernameSchema,
  displayName: v.optional(displayText(LIMITS.displayName)),
  avatarUrl: v.optional(v.nullable(SafeUrlSchema)),
  role: v.optional(displayText(LIMITS.role)),
  kind: v.optional(v.picklist(USER_KINDS)),
  isGuest: v.optional(v.boolean()),
  tags: v.optional(TagsSchema),
  metadata: v.optional(MetadataSchema),
  profileUrl: v.optional(v.nullable(SafeUrlSchema)),
});

/** Body of `POST /api/v1/users`. @example `{ username: 'ada', displayName: 'Ada' }` */
export type CreateUserInput = v.InferInput<typeof CreateUserInputSchema>;

/** `PATCH /api/v1/users/:id` (admin): everything but the id. */
export const UpdateUserInputSchema = v.strictObject({
  ...UpdateMeInputSchema.entries,
  role: v.optional(displayText(LIMITS.role)),
  kind: v.optional(v.picklist(USER_KINDS)),
  blocked: v.optional(v.boolean()),
});

/** Body of `PATCH /api/v1/users/:id`. @example `{ role: 'moderator' }` */
export type UpdateUserInput = v.InferInput<typeof UpdateUserInputSchema>;
