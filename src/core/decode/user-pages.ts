// REST answers that list users (protocol/user-pages.ts has the schemas they mirror): their own module, so
// a bundle that never lists users over REST leaves them out.
import type { PresenceDelta, UserPage } from '../protocol/user-pages.ts';
import { bool, exactly, list, nullable, num, shape, str, timestamp } from './decode.ts';
import { decodeUserView } from './model.ts';

/** `GET /api/v1/users.presence` ({@link PresenceDelta}). @example `api.request(path, { decode: decodePresenceDelta })` */
export const decodePresenceDelta = shape<PresenceDelta>({
  users: list(decodeUserView),
  removed: list(str),
  full: bool,
  seq: num,
  serverTime: timestamp,
  success: exactly(true),
});

/** A page of `GET /api/v1/users` ({@link UserPage}). @example `api.request('/api/v1/users', { decode: decodeUserPage })` */
export const decodeUserPage = shape<UserPage>({ users: list(decodeUserView), nextCursor: nullable(str) });
