/** @vitest-environment happy-dom */
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, test } from 'vitest';
import {
  useBlockedUsers,
  useConnectionState,
  useCurrentUser,
  useOnConnect,
  useOnConnectionEvent,
  useOnDisconnect,
  useOnlineUsers,
  useOnStatusUpdate,
  useOnUserPresenceChanged,
  useSession,
  useUser,
  useUserPresence,
  useUsers,
  type PresenceClient,
} from '../../src/index.ts';
import { createPresenceWrapper, startTestServer, type TestServer } from '../../src/testing/index.ts';
import { rest } from '../helpers.ts';

let server: TestServer;
afterEach(async () => {
  cleanup();
  await server?.close();
});

async function setup(users: string[] = ['ada', 'grace', 'linus']) {
  server = await startTestServer({ users });
  const client = server.clientFor('ada');
  return { client, wrapper: createPresenceWrapper(client) };
}

/** A round trip through the server: everything it sent before is applied once this resolves. */
const barrier = (client: PresenceClient) => act(() => client.setStatus({ callStatus: 'available' }));

describe('read hooks', () => {
  test('useConnectionState follows the connection', async () => {
    const { wrapper } = await setup();
    const seen: string[] = [];
    const { result } = renderHook(
      () => {
        const state = useConnectionState();
        if (seen.at(-1) !== state.status) seen.push(state.status);
        return state;
      },
      { wrapper },
    );
    await waitFor(() => expect(result.current.status).toBe('connected'));
    expect(result.current.error).toBeNull();
    act(() => server.controls.dropConnections('ada'));
    await waitFor(() => expect(seen).toContain('reconnecting'));
    await waitFor(() => expect(seen.at(-1)).toBe('connected'));
    expect(seen).toEqual(['idle', 'connecting', 'connected', 'reconnecting', 'connected']);
  });

  test('useUser: loading, then profile with live presence; not-found; a profile change arrives over the socket', async () => {
    const { wrapper } = await setup();
    const { result } = renderHook(() => useUser('grace'), { wrapper });
    expect(result.current.status).toBe('loading');
    await waitFor(() => expect(result.current.status).toBe('success'));
    expect(result.current.user).toMatchObject({ id: 'grace', presence: { online: false } });
    act(() => server.controls.connect('grace'));
    await waitFor(() => expect(result.current.user?.presence?.online).toBe(true));
    await rest(server.httpUrl, '/api/v1/users/grace', { method: 'PATCH', token: server.adminKey, json: { displayName: 'Grace Hopper' } });
    await waitFor(() => expect(result.current.user?.displayName).toBe('Grace Hopper'));
    expect(result.current.user?.presence?.online).toBe(true);

    const missing = renderHook(() => useUser('nobody'), { wrapper });
    await waitFor(() => expect(missing.result.current.status).toBe('not-found'));
    expect(missing.result.current.user).toBeNull();
    const none = renderHook(() => useUser(null), { wrapper });
    expect(none.result.current.status).toBe('idle');
  });

  test('useUser reports errors (a revoked session) instead of swallowing them', async () => {
    const { client, wrapper } = await setup();
    await rest(server.httpUrl, '/api/v1/users/ada', { method: 'PATCH', token: server.adminKey, json: { blocked: true } });
    const { result } = renderHook(() => useUser('grace'), { wrapper });
    await waitFor(() => expect(result.current.status).toBe('error'));
    expect(result.current.error).toMatchObject({ code: 'revoked' });
    void client;
  });

  test('useUserPresence with a selector, and reference-counted subscriptions', async () => {
    const { client, wrapper } = await setup();
    // Keeps the provider (and so the connection) mounted while the watchers come and go.
    renderHook(() => useConnectionState(), { wrapper });
    const first = renderHook(() => useUserPresence('grace', (presence) => presence?.status ?? 'unknown'), { wrapper });
    const second = renderHook(() => useUserPresence('grace'), { wrapper });
    await waitFor(() => expect(first.result.current).toBe('offline'));
    act(() => server.controls.connect('grace'));
    act(() => server.controls.setPresence('grace', { status: 'busy' }));
    await waitFor(() => expect(first.result.current).toBe('busy'));
    expect(second.result.current).toMatchObject({ online: true, status: 'busy' });
    first.unmount();
    act(() => server.controls.setPresence('grace', { status: 'away' }));
    await waitFor(() => expect(second.result.current?.status).toBe('away'));
    second.unmount();
    await barrier(client);
    act(() => server.controls.setPresence('grace', { status: 'online' }));
    await barrier(client);
    // Nobody watches grace any more: the server stopped sending her changes.
    expect(client.peekUser('grace')?.presence?.status).toBe('away');
  });

  test('useOnlineUsers lists who is online and follows arrivals and departures', async () => {
    const { wrapper } = await setup();
    const { result } = renderHook(() => useOnlineUsers(), { wrapper });
    await waitFor(() => expect([...result.current].sort()).toEqual(['ada']));
    act(() => server.controls.connect('grace'));
    await waitFor(() => expect([...result.current].sort()).toEqual(['ada', 'grace']));
    act(() => server.controls.disconnect('grace'));
    await waitFor(() => expect([...result.current]).toEqual(['ada']));
  });

  test('useUsers pages with a cursor and filters', async () => {
    const { wrapper } = await setup(['ada', 'b1', 'b2', 'b3', 'b4', 'b5']);
    const { result } = renderHook(() => useUsers({ search: 'b', limit: 2 }), { wrapper });
    await waitFor(() => expect(result.current.status).toBe('success'));
    expect(result.current.users.map((user) => user.id)).toEqual(['b1', 'b2']);
    expect(result.current.hasNextPage).toBe(true);
    await act(() => result.current.fetchNextPage());
    await act(() => result.current.fetchNextPage());
    await waitFor(() => expect(result.current.users.map((user) => user.id)).toEqual(['b1', 'b2', 'b3', 'b4', 'b5']));
    expect(result.current.hasNextPage).toBe(false);
  });
});

describe('current user, blocks and session', () => {
  test('useCurrentUser: the user, an optimistic update, and a rollback when the server refuses', async () => {
    server = await startTestServer({ users: ['ada', 'grace'], avatarHosts: ['example.com'] });
    // Profile updates wait for the test's go-ahead, so the optimistic state can be seen.
    let held = Promise.resolve();
    const client = server.clientFor('ada', {
      fetch: async (input, init) => {
        if (init?.method === 'PATCH') await held;
        return fetch(input, init);
      },
    });
    const { result } = renderHook(() => useCurrentUser(), { wrapper: createPresenceWrapper(client) });
    await waitFor(() => expect(result.current.user?.id).toBe('ada'));
    expect(result.current.user?.presence?.online).toBe(true);

    await act(() => result.current.update({ displayName: 'Ada Lovelace' }));
    expect(server.store.getUser('ada')?.displayName).toBe('Ada Lovelace');

    // Refused by the server (the username is taken): shown at once, then rolled back.
    let answer!: () => void;
    held = new Promise<void>((resolve) => (answer = resolve));
    let outcome: Promise<unknown> | undefined;
    act(() => {
      outcome = result.current.update({ username: 'grace' }).catch((error: unknown) => error);
    });
    await waitFor(() => expect(result.current.user?.username).toBe('grace'));
    answer();
    expect(await act(() => outcome!)).toMatchObject({ code: 'conflict' });
    await waitFor(() => expect(result.current.user?.username).toBe('ada'));
    expect(server.store.getUser('ada')?.username).toBe('ada');
    expect(result.current.updateError).toMatchObject({ code: 'conflict' });

    await act(() => result.current.setStatus({ status: 'busy', statusMessage: 'Writing' }));
    await waitFor(() => expect(result.current.user?.presence).toMatchObject({ status: 'busy', statusMessage: 'Writing' }));
    await act(() => result.current.setDisplayPicture({ url: 'https://example.com/ada.png' }));
    await waitFor(() => expect(result.current.user?.avatarUrl).toBe('https://example.com/ada.png'));
  });

  test('useBlockedUsers lists, blocks and unblocks; the blocked user’s presence disappears', async () => {
    const { wrapper } = await setup();
    server.controls.connect('grace');
    const blocked = renderHook(() => useBlockedUsers(), { wrapper });
    const grace = renderHook(() => useUser('grace'), { wrapper });
    await waitFor(() => expect(blocked.result.current.users).toEqual([]));
    await waitFor(() => expect(grace.result.current.user?.presence?.online).toBe(true));
    await act(() => blocked.result.current.block('grace'));
    await waitFor(() => expect(blocked.result.current.users?.map((user) => user.id)).toEqual(['grace']));
    await waitFor(() => expect(grace.result.current.user).toMatchObject({ blockedByMe: true, presence: null }));
    await act(() => blocked.result.current.unblock('grace'));
    await waitFor(() => expect(grace.result.current.user).toMatchObject({ blockedByMe: false, presence: { online: true } }));
    expect(blocked.result.current.users).toEqual([]);
  });

  test('useSession: logged in, then logged out', async () => {
    const { wrapper } = await setup();
    const { result } = renderHook(() => ({ session: useSession(), connection: useConnectionState() }), { wrapper });
    await waitFor(() => expect(result.current.connection.status).toBe('connected'));
    expect(result.current.session).toMatchObject({ state: 'logged-in', userId: 'ada' });
    await act(() => result.current.session.logOut());
    expect(result.current.session.state).toBe('logged-out');
    expect(result.current.connection.status).toBe('disconnected');
  });
});

describe('callback hooks', () => {
  test('subscribe once per id and always call the latest callback', async () => {
    const { client, wrapper } = await setup();
    const calls: string[] = [];
    let version = 1;
    const { rerender } = renderHook(
      ({ v }) => {
        useOnStatusUpdate('grace', (update) => calls.push(`v${v} status:${update.status}`));
        useOnConnect('grace', () => calls.push(`v${v} connect`));
        useOnDisconnect('grace', () => calls.push(`v${v} disconnect`));
        useOnConnectionEvent('grace', (user) => calls.push(`v${v} event:${user.presence?.online}`));
        useOnUserPresenceChanged(({ user, presence }) => {
          if (user.id === 'grace') calls.push(`v${v} changed:${presence?.status}`);
        });
      },
      { wrapper, initialProps: { v: version } },
    );
    await waitFor(() => expect(client.state.getState().status).toBe('connected'));
    await barrier(client);
    const sentBefore = server.controls.connectionCount('ada');
    rerender({ v: ++version });
    rerender({ v: ++version });
    act(() => server.controls.connect('grace'));
    await waitFor(() => expect(calls).toContain('v3 connect'));
    act(() => server.controls.setPresence('grace', { status: 'away' }));
    await waitFor(() => expect(calls).toContain('v3 status:away'));
    act(() => server.controls.disconnect('grace'));
    await waitFor(() => expect(calls).toContain('v3 disconnect'));
    expect(calls.every((call) => call.startsWith('v3 '))).toBe(true);
    // Each kind fired exactly once per change: re-renders did not add subscriptions.
    expect(calls.filter((call) => call === 'v3 connect')).toHaveLength(1);
    expect(calls.filter((call) => call === 'v3 status:away')).toHaveLength(1);
    expect(calls.filter((call) => call.includes('event:'))).toEqual(['v3 event:true', 'v3 event:false']);
    expect(sentBefore).toBe(1);
  });
});
