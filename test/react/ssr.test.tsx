/** @vitest-environment node */
import { renderToString } from 'react-dom/server';
import { expect, test } from 'vitest';
import { countingWebSocket } from '../helpers.ts';
import { PresenceProvider, useConnectionState, useCurrentUser, useOnlineUsers, useUser, useUserPresence } from '../../src/index.ts';

test('renders on the server with no socket and no window', async () => {
  const counter = { opened: 0 };
  function Page() {
    const { status } = useConnectionState();
    const { user, status: userStatus } = useUser('grace');
    const presence = useUserPresence('grace', (p) => p?.status ?? 'unknown');
    return (
      <p>
        {status}/{userStatus}/{presence}/{user?.displayName ?? '-'}
      </p>
    );
  }
  const html = renderToString(
    <PresenceProvider url="http://127.0.0.1:9" token="t" WebSocket={countingWebSocket(counter)}>
      <Page />
    </PresenceProvider>,
  );
  expect(html).toBe('<p>idle<!-- -->/<!-- -->loading<!-- -->/<!-- -->unknown<!-- -->/<!-- -->-</p>');
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(counter.opened).toBe(0);
});

test('nothing touches window or document at import time or on the server', async () => {
  expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
  function Everything() {
    useCurrentUser();
    useOnlineUsers();
    return <span>ok</span>;
  }
  expect(
    renderToString(
      <PresenceProvider url="http://127.0.0.1:9" token="t">
        <Everything />
      </PresenceProvider>,
    ),
  ).toBe('<span>ok</span>');
});
