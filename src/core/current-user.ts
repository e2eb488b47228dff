import { PresenceError } from './errors.ts';
import { kernelOf, viewOf, type Unsubscribe } from './kernel.ts';
import type { PresenceCore } from './presence-core.ts';
import { LIMITS } from './protocol/limits.ts';
import type { UpdateMeInput } from './protocol/update-me.ts';
import type { AppUpdateMeInput, AppUserView } from './register.ts';
import type { UserEntry } from './store.ts';
import { requestView } from './users.ts';

/**
 * The signed-in user: held by the client once connected, else read over REST.
 *
 * @example
 * ```ts
 * const me = await getCurrentUser(client);
 * ```
 */
export async function getCurrentUser(client: PresenceCore): Promise<AppUserView> {
  const id = client.state.getState().currentUserId;
  const held = id === null ? null : client.peekUser(id);
  if (held) return held;
  const me = await requestView(client, '/api/v1/me');
  client.state.setState({ currentUserId: me.id });
  return me;
}

/**
 * ChatKitty's current-user observer: called at once, then once per distinct value (no user yet and a
 * user whose profile has not arrived are both `null`).
 *
 * @example
 * ```ts
 * const stop = onCurrentUserChanged(client, (me) => render(me?.displayName));
 * ```
 */
export function onCurrentUserChanged(client: PresenceCore, callback: (user: AppUserView | null) => void): Unsubscribe {
  const { safely } = kernelOf(client);
  const { state, store } = client;
  let fired = false;
  let lastEntry: UserEntry | undefined;
  let lastView: AppUserView | null = null;
  let userUnsubscribe: Unsubscribe = () => {};
  const fire = () => {
    const id = state.getState().currentUserId;
    const entry = id === null ? undefined : store.peek(id);
    const view = viewOf(entry) as AppUserView | null;
    if (fired && (entry === lastEntry || (view === null && lastView === null))) return;
    fired = true;
    lastEntry = entry;
    lastView = view;
    safely(() => callback(view));
  };
  const follow = () => {
    userUnsubscribe();
    const id = state.getState().currentUserId;
    userUnsubscribe = id === null ? () => {} : store.userStore(id).subscribe(fire);
    fire();
  };
  const stateUnsubscribe = state.subscribe((current, previous) => {
    if (current.currentUserId !== previous.currentUserId) follow();
  });
  follow();
  return () => {
    stateUnsubscribe();
    userUnsubscribe();
  };
}

/**
 * The fields a user edits on their own profile: those of the server's UpdateMeInputSchema (a test holds
 * the list to it). Their values are the server's to check: a refused edit comes back as its
 * `invalid-input`, so the browser ships no copy of the profile rules.
 *
 * @example
 * ```ts
 * EDITABLE_FIELDS.includes('displayName'); // true
 * ```
 */
export const EDITABLE_FIELDS: ReadonlyArray<keyof UpdateMeInput> = ['username', 'displayName', 'avatarUrl', 'tags', 'metadata', 'profileUrl'];
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Updates your own profile with a patch, or with an updater that gets a copy of the current user
 * (ChatKitty's style): only what changed is sent; admin-only fields are `forbidden`.
 *
 * @example
 * ```ts
 * await updateCurrentUser(client, { displayName: 'Ada L.' });
 * await updateCurrentUser(client, (me) => ({ ...me, metadata: { ...me.metadata, theme: 'dark' } }));
 * ```
 */
export async function updateCurrentUser(
  client: PresenceCore,
  update: AppUpdateMeInput | ((user: AppUserView) => AppUserView | AppUpdateMeInput),
): Promise<AppUserView> {
  const current = await getCurrentUser(client);
  const updater = typeof update === 'function';
  const result = (updater ? update(structuredClone(current)) : update) as Record<string, unknown>;
  const patch: Record<string, unknown> = {};
  for (const key of EDITABLE_FIELDS) {
    const value = result[key];
    if (value !== undefined && !(updater && same(value, current[key as keyof AppUserView]))) patch[key] = value;
  }
  // As REST does: naming an admin-only field is forbidden. An updater may hand back the whole user
  // (those fields unchanged) or just a patch that leaves them out.
  for (const key of ['role', 'kind', 'isGuest', 'id'] as const) {
    const value = result[key];
    if (value !== undefined && !(updater && same(value, current[key]))) throw new PresenceError('forbidden', `${key} cannot be changed by the user`);
  }
  return requestView(client, '/api/v1/me', { method: 'PATCH', json: patch });
}

/**
 * Sets your picture from a file (uploaded, at most `LIMITS.avatarBytes`) or a URL (http(s) only).
 *
 * @example
 * ```ts
 * await updateCurrentUserDisplayPicture(client, { file: input.files[0] });
 * ```
 */
export async function updateCurrentUserDisplayPicture(
  client: PresenceCore,
  input: { file: Blob } | { url: string } | { file: { url: string } },
): Promise<AppUserView> {
  const url = 'url' in input ? input.url : 'url' in input.file ? input.file.url : undefined;
  if (url !== undefined) return requestView(client, '/api/v1/me/avatar', { method: 'PUT', json: { url } });
  const file = (input as { file: Blob }).file;
  if (file.size > LIMITS.avatarBytes) throw new PresenceError('too-large', `the picture may be at most ${LIMITS.avatarBytes} bytes`);
  return requestView(client, '/api/v1/me/avatar', { method: 'PUT', body: file });
}
