/** @vitest-environment jsdom */
// The test helpers in a jsdom environment, where the global WebSocket is jsdom's: clientFor still
// connects (over `ws`), and components render against a real server.
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, expect, test, vi } from 'vitest';
import { OnlineList } from '../../src/components/index.ts';
import { createPresenceWrapper, startTestServer, type TestServer } from '../../src/testing/index.ts';

let server: TestServer | undefined;
afterEach(async () => {
  vi.unstubAllGlobals();
  cleanup();
  await server?.close();
  server = undefined;
});

test('jsdom: clientFor connects over ws whatever the global WebSocket is, and OnlineList renders its rows', async () => {
  expect(typeof globalThis.WebSocket).toBe('function');
  // Some jsdom versions ship a global WebSocket that cannot talk to a real server (29 under vitest):
  // the helper must not pick up whatever the environment defines.
  const opened = vi.fn();
  vi.stubGlobal(
    'WebSocket',
    class {
      constructor() {
        opened();
        throw new Error("this environment's WebSocket does not work");
      }
    },
  );
  server = await startTestServer({ users: ['ada', 'grace'] });
  const grace = server.clientFor('grace');
  grace.connect();
  const ada = server.clientFor('ada');
  const Wrapper = createPresenceWrapper(ada);
  render(<OnlineList hideCurrentUser showOffline={false} />, { wrapper: Wrapper });
  await waitFor(() => expect(ada.state.getState().status).toBe('connected'));
  expect(await screen.findByRole('option', { name: /grace/i })).toBeTruthy();
  expect(opened).not.toHaveBeenCalled();
});
