// The public model types are written out (so the API reference shows each field with its doc); these
// hold them equal to what the schemas the server validates with produce and accept.
import type * as v from 'valibot';
import { expectTypeOf, test } from 'vitest';
import type { Presence, PresencePatch, SessionTokens, User, UserView } from '../../src/core/index.ts';
import type { PresencePatchSchema, PresenceSchema, SessionTokensSchema, UserSchema, UserViewSchema } from '../../src/core/protocol/model.ts';

test('each written-out model type is exactly its schema’s type', () => {
  expectTypeOf<User>().toEqualTypeOf<v.InferOutput<typeof UserSchema>>();
  expectTypeOf<Presence>().toEqualTypeOf<v.InferOutput<typeof PresenceSchema>>();
  expectTypeOf<UserView>().toEqualTypeOf<v.InferOutput<typeof UserViewSchema>>();
  expectTypeOf<PresencePatch>().toEqualTypeOf<v.InferInput<typeof PresencePatchSchema>>();
  expectTypeOf<SessionTokens>().toEqualTypeOf<v.InferOutput<typeof SessionTokensSchema>>();
});
