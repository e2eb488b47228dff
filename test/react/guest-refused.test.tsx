/** @vitest-environment happy-dom */
// A server that refuses guests: one refusal, one clear state everywhere (issue 24, bug 4).
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { ConnectionStatus, OnlineList } from '../../src/components/index.ts';
import { PresenceProvider, useCurrentUser } from '../../src/index.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';

let server: TestServer;
afterEach(async () => {
  cleanup();
  await server?.close();
});

function Me() {
  const { user, isLoading, error } = useCurrentUser();
  return <p data-testid="me">{isLoading ? 'loading' : user ? user.displayName : `error: ${error?.code}`}</p>;
}

test('a server without guests: one request, and the hooks, the list and the status all say so, with what to do', async () => {
  server = await startTestServer();
  let guestRequests = 0;
  const counting: typeof fetch = (input, init) => {
    if (String(input).includes('/guest-sessions')) guestRequests += 1;
    return fetch(input, init);
  };
  render(
    <PresenceProvider url={server.httpUrl} guest={{ displayName: 'Ada' }} fetch={counting} WebSocket={WebSocket} environment={null} autoAway={false}>
      <ConnectionStatus data-testid="connection" />
      <Me />
      <OnlineList />
    </PresenceProvider>,
  );
  await waitFor(() => expect(screen.getByTestId('connection').textContent).toContain('Could not sign in'));
  await waitFor(() => expect(screen.getByTestId('me').textContent).toBe('error: disabled'));
  const list = document.querySelector('.pk-online-list')!;
  await waitFor(() => expect(list.getAttribute('data-state')).toBe('error'));
  // The cause, not "check your connection": guests are off on this server.
  expect(list.textContent).toContain('guest sessions are disabled on this server');
  expect(list.textContent).not.toContain('Check your connection');
  expect(guestRequests).toBe(1);
});
