/** @vitest-environment happy-dom */
import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query';
import { cleanup, render, renderHook, waitFor } from '@testing-library/react';
import { StrictMode, type ReactNode } from 'react';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { countingWebSocket } from '../helpers.ts';
import { PresenceProvider, useConnectionState, usePresenceClient, useUserPresence } from '../../src/index.ts';
import { createMockPresence, makePresence, makeUserView, startTestServer, type TestServer } from '../../src/testing/index.ts';

let server: TestServer;
afterEach(async () => {
  cleanup();
  await server?.close();
});

function Status() {
  const { status } = useConnectionState();
  return <span data-testid="status">{status}</span>;
}

describe('PresenceProvider', () => {
  test('under StrictMode exactly one socket is opened and the user is online once', async () => {
    server = await startTestServer({ users: ['ada'] });
    const counter = { opened: 0 };
    const session = server.mintTokens('ada');
    const view = render(
      <StrictMode>
        <PresenceProvider url={server.httpUrl} session={session} WebSocket={countingWebSocket(counter)} environment={null}>
          <Status />
        </PresenceProvider>
      </StrictMode>,
    );
    await waitFor(() => expect(view.getByTestId('status').textContent).toBe('connected'));
    expect(counter.opened).toBe(1);
    expect(server.controls.connectionCount('ada')).toBe(1);
  });

  test('a new inline options object does not reconnect; a new user or URL does', async () => {
    server = await startTestServer({ users: ['ada', 'grace'] });
    const counter = { opened: 0 };
    const WebSocket = countingWebSocket(counter);
    const clients: unknown[] = [];
    function Probe() {
      clients.push(usePresenceClient());
      return <Status />;
    }
    const tokenFor = (userId: string) => {
      const tokens = server.mintTokens(userId);
      return () => tokens.accessToken;
    };
    const adaToken = tokenFor('ada');
    const ui = (userId: string, token: () => string) => (
      <PresenceProvider url={server.httpUrl} userId={userId} token={() => token()} WebSocket={WebSocket} environment={null} offlineGraceMs={0}>
        <Probe />
      </PresenceProvider>
    );
    const view = render(ui('ada', adaToken));
    await waitFor(() => expect(view.getByTestId('status').textContent).toBe('connected'));
    view.rerender(ui('ada', adaToken));
    view.rerender(ui('ada', adaToken));
    expect(new Set(clients).size).toBe(1);
    expect(counter.opened).toBe(1);

    view.rerender(ui('grace', tokenFor('grace')));
    await waitFor(() => expect(server.controls.connectionCount('grace')).toBe(1));
    await waitFor(() => expect(server.controls.connectionCount('ada')).toBe(0));
    expect(new Set(clients).size).toBe(2);
    expect(counter.opened).toBe(2);
  });

  test("uses the app's QueryClient when there is one, otherwise its own", async () => {
    server = await startTestServer({ users: ['ada'] });
    const appClient = new QueryClient();
    let seen: QueryClient | undefined;
    function Probe() {
      seen = useQueryClient();
      return null;
    }
    const client = server.clientFor('ada');
    render(
      <QueryClientProvider client={appClient}>
        <PresenceProvider client={client}>
          <Probe />
        </PresenceProvider>
      </QueryClientProvider>,
    );
    expect(seen).toBe(appClient);
    cleanup();
    render(
      <PresenceProvider client={client}>
        <Probe />
      </PresenceProvider>,
    );
    expect(seen).toBeInstanceOf(QueryClient);
    expect(seen).not.toBe(appClient);
  });

  test('unmounting disconnects and leaves no listeners, intervals or kit timers behind', async () => {
    server = await startTestServer({ users: ['ada', 'grace'] });
    const listeners = new Map<string, number>();
    const environment = {
      addEventListener: (type: string) => listeners.set(type, (listeners.get(type) ?? 0) + 1),
      removeEventListener: (type: string) => listeners.set(type, (listeners.get(type) ?? 0) - 1),
    };
    const live = new Set<unknown>();
    const realSetInterval = globalThis.setInterval;
    const realClearInterval = globalThis.clearInterval;
    vi.spyOn(globalThis, 'setInterval').mockImplementation(((fn: () => void, ms?: number) => {
      const handle = realSetInterval(fn, ms);
      live.add(handle);
      return handle;
    }) as typeof setInterval);
    vi.spyOn(globalThis, 'clearInterval').mockImplementation(((handle: ReturnType<typeof setInterval>) => {
      live.delete(handle);
      realClearInterval(handle);
    }) as typeof clearInterval);

    const client = server.clientFor('ada', { environment, autoAway: { afterMs: 60_000 }, offlineGraceMs: 5_000 });
    function Watch() {
      useUserPresence('grace');
      return <Status />;
    }
    const view = render(
      <PresenceProvider client={client}>
        <Watch />
      </PresenceProvider>,
    );
    await waitFor(() => expect(view.getByTestId('status').textContent).toBe('connected'));
    expect([...listeners.values()].some((count) => count > 0)).toBe(true);
    expect(live.size).toBeGreaterThan(0);
    view.unmount();
    await waitFor(() => expect(server.controls.connectionCount('ada')).toBe(0));
    expect([...listeners.entries()].filter(([, count]) => count !== 0)).toEqual([]);
    expect(live.size).toBe(0);
    expect(client.state.getState().status).toBe('idle');
  });

  test('rows of a second provider, mounted beside the first, read their own client (list rows skip the context while one provider is mounted)', async () => {
    const one = createMockPresence({ me: 'me', users: [makeUserView('grace', { presence: makePresence('busy') })] });
    const two = createMockPresence({ me: 'me', users: [makeUserView('grace', { presence: makePresence('away') })] });
    const Row = ({ testId }: { testId: string }) => <span data-testid={testId}>{useUserPresence('grace', (presence) => presence?.status ?? 'unknown')}</span>;
    const view = render(
      <PresenceProvider client={one.client}>
        <Row testId="one" />
      </PresenceProvider>,
    );
    await waitFor(() => expect(view.getByTestId('one').textContent).toBe('busy'));
    view.rerender(
      <>
        <PresenceProvider client={one.client}>
          <Row testId="one" />
        </PresenceProvider>
        <PresenceProvider client={two.client}>
          <Row testId="two" />
        </PresenceProvider>
      </>,
    );
    await waitFor(() => expect(view.getByTestId('two').textContent).toBe('away'));
    expect(view.getByTestId('one').textContent).toBe('busy');
    // The first provider goes: the second's rows now take the shortcut, still to their own client.
    view.rerender(
      <PresenceProvider client={two.client}>
        <Row testId="two" />
      </PresenceProvider>,
    );
    two.controls.setPresence('grace', { status: 'online' });
    await waitFor(() => expect(view.getByTestId('two').textContent).toBe('online'));
  });

  test('hooks outside a provider fail with a clear message', () => {
    expect(() => renderHook(() => useConnectionState())).toThrow(/needs a <PresenceProvider> above it/);
  });
});

export type { ReactNode };
