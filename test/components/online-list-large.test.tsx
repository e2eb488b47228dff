/** @vitest-environment happy-dom */
// OnlineList on a large list, against the real server: sections and counts from the server, the people of
// the rows in view from a window, search on the server, useOnlineCount exact in both modes.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, expect, test } from 'vitest';
import { OnlineList } from '../../src/components/index.ts';
import { useOnlineCount } from '../../src/index.ts';
import { createPresenceWrapper, startTestServer, type TestServer } from '../../src/testing/index.ts';

let server: TestServer;
afterEach(async () => {
  cleanup();
  await server?.close();
});

const people = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `p${String(i).padStart(2, '0')}`, username: `p${i}`, displayName: `Person ${i}` }));

function Count() {
  const { total, online, away, busy, large } = useOnlineCount();
  return <p data-testid="count" data-large={large}>{`${total}/${online}/${away}/${busy}`}</p>;
}

test('a large list: sections counted by the server, people from the window, search on the server', async () => {
  server = await startTestServer({ users: [{ id: 'me', username: 'me', displayName: 'Me' }, ...people(12)], announceMax: 5, onlineTickMs: 10 });
  for (const person of people(9)) server.controls.connect(person.id);
  server.controls.setPresence('p03', { status: 'away' });
  server.controls.setPresence('p04', { status: 'busy' });
  const Wrapper = createPresenceWrapper(server.clientFor('me'));
  render(
    <Wrapper>
      <Count />
      <OnlineList showOffline={false} style={{ height: 400 }} />
    </Wrapper>,
  );
  const count = screen.getByTestId('count');
  await waitFor(() => expect(count.dataset.large).toBe('true'));
  await waitFor(() => expect(count.textContent).toBe('10/8/1/1'));
  const list = await screen.findByRole('listbox');
  const names = () =>
    within(list)
      .getAllByRole('option')
      .map((option) => option.querySelector('.pk-online-list-name')?.textContent);
  await waitFor(() => expect(names()).toContain('Person 8'));
  expect(names()).toEqual(['Me (you)', 'Person 0', 'Person 1', 'Person 2', 'Person 5', 'Person 6', 'Person 7', 'Person 8', 'Person 3', 'Person 4']);
  const headings = () => [...list.querySelectorAll('.pk-online-list-section')].map((heading) => heading.textContent);
  expect(headings()).toEqual(['Online 8', 'Away 1', 'Busy 1']);
  expect(screen.getByText('10 online')).toBeTruthy();

  // A change moves its row (the window is told), and the counts follow.
  server.controls.setPresence('p00', { status: 'busy' });
  await waitFor(() => expect(headings()).toEqual(['Online 7', 'Away 1', 'Busy 2']));
  expect(names().slice(-2)).toEqual(['Person 0', 'Person 4']);

  // Search runs on the server: its counts are the matches'.
  fireEvent.change(screen.getByRole('searchbox'), { target: { value: 'person 1' } });
  await waitFor(() => expect(names()).toEqual(['Person 1']));
  expect(headings()).toEqual(['Online 1']);
});

test('useOnlineCount counts the list the client holds while it is small', async () => {
  server = await startTestServer({ users: [{ id: 'me', username: 'me', displayName: 'Me' }, ...people(4)], announceMax: 100 });
  for (const person of people(3)) server.controls.connect(person.id);
  server.controls.setPresence('p01', { status: 'busy' });
  const Wrapper = createPresenceWrapper(server.clientFor('me'));
  render(
    <Wrapper>
      <Count />
    </Wrapper>,
  );
  const count = screen.getByTestId('count');
  await waitFor(() => expect(count.textContent).toBe('4/3/0/1'));
  expect(count.dataset.large).toBe('false');
  server.controls.connect('p03');
  await waitFor(() => expect(count.textContent).toBe('5/4/0/1'));
});
