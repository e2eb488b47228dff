/** @vitest-environment happy-dom */
import { act, cleanup, render, waitFor } from '@testing-library/react';
import { memo, StrictMode } from 'react';
import { afterEach, expect, test } from 'vitest';
import { useConnectionState, useOnlineUsers, useUser, useUserPresence, type PresenceClient } from '../../src/index.ts';
import { createPresenceWrapper, startTestServer, type TestServer } from '../../src/testing/index.ts';

let server: TestServer;
afterEach(async () => {
  cleanup();
  await server?.close();
});

const barrier = (client: PresenceClient) => act(() => client.setStatus({ callStatus: 'available' }));

test('an update to user A re-renders only the components that show user A', async () => {
  const ids = Array.from({ length: 50 }, (_, i) => `u${i}`);
  server = await startTestServer({ users: ['viewer', ...ids] });
  for (const id of ids) server.controls.connect(id);
  const client = server.clientFor('viewer');
  const Wrapper = createPresenceWrapper(client);
  const renders = new Map<string, number>();
  const count = (key: string) => renders.set(key, (renders.get(key) ?? 0) + 1);

  const Row = memo(function Row({ id }: { id: string }) {
    const status = useUserPresence(id, (presence) => presence?.status ?? 'unknown');
    count(`row:${id}`);
    return <li data-testid={id}>{status}</li>;
  });
  const Card = memo(function Card({ id }: { id: string }) {
    const { user } = useUser(id);
    count(`card:${id}`);
    return <p>{user?.displayName}</p>;
  });
  function List() {
    count('list');
    return (
      <ul>
        {ids.map((id) => (
          <Row key={id} id={id} />
        ))}
      </ul>
    );
  }
  function OnlineCount() {
    const online = useOnlineUsers();
    count('online');
    return <span data-testid="online">{online.length}</span>;
  }
  function Status() {
    useConnectionState();
    count('status');
    return null;
  }

  const view = render(
    <StrictMode>
      <Wrapper>
        <List />
        <Card id="u7" />
        <OnlineCount />
        <Status />
      </Wrapper>
    </StrictMode>,
  );
  await waitFor(() => expect(view.getByTestId('u7').textContent).toBe('online'));
  await waitFor(() => expect(view.getByTestId('online').textContent).toBe('51'));
  await barrier(client);
  renders.clear();

  // A status change of u7: its row and its card re-render, nothing else.
  act(() => server.controls.setPresence('u7', { status: 'busy' }));
  await waitFor(() => expect(view.getByTestId('u7').textContent).toBe('busy'));
  await barrier(client);
  const afterStatus = [...renders.keys()].sort();
  expect(afterStatus).toEqual(['card:u7', 'row:u7']);
  // StrictMode renders twice in development: one update, one (double) render.
  expect(renders.get('row:u7')).toBe(2);

  // A change the row's selector does not pick (the message) re-renders the card only.
  renders.clear();
  act(() => server.controls.setPresence('u7', { statusMessage: 'Lunch' }));
  await waitFor(() => expect(client.peekUser('u7')?.presence?.statusMessage).toBe('Lunch'));
  await barrier(client);
  expect([...renders.keys()]).toEqual(['card:u7']);

  // Someone leaving changes the online set: the online count re-renders, and that user's row.
  renders.clear();
  act(() => server.controls.disconnect('u3'));
  await waitFor(() => expect(view.getByTestId('online').textContent).toBe('50'));
  await barrier(client);
  expect([...renders.keys()].sort()).toEqual(['online', 'row:u3']);
});
