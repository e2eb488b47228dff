/** @vitest-environment happy-dom */
import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query';
import { cleanup, render, renderHook, waitFor } from '@testing-library/react';
import { StrictMode, type ReactNode } from 'react';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { countingWebSocket } from '../helpers.ts';
import { PresenceProvider, useConnectionState, usePresenceClient, useUser, useUserPresence } from '../../src/index.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';

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

  test('hooks outside a provider fail with a clear message', () => {
    expect(() => renderHook(() => useConnectionState())).toThrow(/needs a <PresenceProvider> above it/);
  });
});

export type { ReactNode };
