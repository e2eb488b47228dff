/** @vitest-environment happy-dom */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, test, vi } from 'vitest';
import { PresenceDevtools } from '../../src/devtools/index.ts';
import { PresenceProvider, useUserPresence, usePresenceClient } from '../../src/index.ts';
import { startTestServer, type TestServer } from '../../src/testing/index.ts';

let server: TestServer | undefined;
afterEach(async () => {
  cleanup();
  vi.unstubAllEnvs();
  await server?.close();
  server = undefined;
});

function Watch({ id }: { id: string }) {
  const presence = useUserPresence(id);
  return <span data-testid={`watch-${id}`}>{presence?.status ?? 'unknown'}</span>;
}

test('the panel shows the connection and its history, the cursor, retained users with holders, pending changes and the live log; never the token', async () => {
  server = await startTestServer({ users: ['ada', 'grace', 'linus'] });
  const session = server.mintTokens('ada');
  let client!: ReturnType<typeof usePresenceClient>;
  function Grab() {
    client = usePresenceClient();
    return null;
  }
  render(
    <PresenceProvider url={server.httpUrl} session={session} environment={null} autoAway={false} backoff={{ random: () => 0 }}>
      <Grab />
      <Watch id="grace" />
      <Watch id="grace" />
      <Watch id="linus" />
      <PresenceDevtools />
    </PresenceProvider>,
  );
  const toggle = await screen.findByRole('button', { name: 'Presence devtools' });
  fireEvent.click(toggle);
  const panel = await screen.findByRole('region', { name: 'Presence devtools' });
  await waitFor(() => expect(within(panel).getByRole('list', { name: 'Connection history' }).textContent).toContain('connected'));

  // Two components hold grace, one holds linus.
  const retained = within(panel).getByRole('table', { name: 'Retained users' });
  await waitFor(() =>
    expect(rows(retained)).toEqual([
      ['grace', '2'],
      ['linus', '1'],
    ]),
  );

  // A change from elsewhere arrives: the log has it, with its seq, and the cursor follows.
  server.controls.connect('grace');
  await waitFor(() => expect(screen.getAllByTestId('watch-grace')[0]!.textContent).toBe('online'));
  const events = within(panel).getByRole('table', { name: 'Events' });
  await waitFor(() => expect(rows(events).some((row) => row[1] === '↓' && row[2] === 'presence' && row[4] === 'grace: online')).toBe(true));
  // The welcome's seq is where the server stands, not what this client holds; every other seq moves the cursor.
  const highestSeq = Math.max(
    ...rows(events)
      .filter((row) => row[2] !== 'welcome')
      .map((row) => Number(row[3] || 0)),
  );
  expect(within(panel).getByTestId('pkdt-cursor').textContent).toBe(String(highestSeq));
  expect(rows(events).some((row) => row[1] === '↑' && row[2] === 'subscribe')).toBe(true);

  // Filters: by user id or type, and by direction.
  fireEvent.change(within(panel).getByRole('searchbox'), { target: { value: 'presence' } });
  expect(new Set(rows(events).map((row) => row[2]))).toEqual(new Set(['presence']));
  fireEvent.change(within(panel).getByRole('searchbox'), { target: { value: '' } });
  fireEvent.change(within(panel).getByLabelText('Direction'), { target: { value: 'out' } });
  expect(rows(events).every((row) => row[1] === '↑')).toBe(true);
  fireEvent.change(within(panel).getByLabelText('Direction'), { target: { value: 'all' } });

  // A status change sent and not yet acknowledged is pending; once acknowledged it is gone.
  let saved!: Promise<void>;
  act(() => {
    saved = client.setStatus({ status: 'busy', statusMessage: 'Deep work' });
  });
  expect(within(panel).getByRole('list', { name: 'Pending status changes' }).textContent).toContain('"status":"busy"');
  await act(() => saved);
  await waitFor(() => expect(within(panel).queryByRole('list', { name: 'Pending status changes' })).toBeNull());
  expect(rows(events).some((row) => row[2] === 'ack')).toBe(true);

  // A dropped connection: the history shows it, and the client catches up from its cursor.
  const cursor = Number(within(panel).getByTestId('pkdt-cursor').textContent);
  expect(within(panel).getByTestId('pkdt-catch-ups').textContent).toMatch(/^0 asked/);
  server.controls.dropConnections('ada');
  await waitFor(() =>
    expect(within(panel).getByTestId('pkdt-catch-ups').textContent).toMatch(new RegExp(`^1 asked, last from ${cursor}; answered 1 since cursor`)),
  );
  const history = within(panel).getByRole('list', { name: 'Connection history' }).textContent!;
  expect(history).toMatch(/reconnecting/);

  // The token is never shown: the frame that carries it is not logged.
  expect(document.body.innerHTML).not.toContain(session.accessToken);
  expect(document.body.innerHTML).not.toContain(session.refreshToken);
  expect(rows(events).some((row) => row[2] === 'auth')).toBe(false);
});

test('in a production build PresenceDevtools renders nothing', async () => {
  vi.stubEnv('NODE_ENV', 'production');
  vi.resetModules();
  const { PresenceDevtools: ProductionDevtools } = await import('../../src/devtools/index.ts');
  const { container } = render(<ProductionDevtools initialIsOpen />);
  expect(container.innerHTML).toBe('');
});

function rows(table: HTMLElement): string[][] {
  return [...table.querySelectorAll('tbody tr')].map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? ''));
}
