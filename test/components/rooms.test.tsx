/** @vitest-environment happy-dom */
// RoomAvatars and TypingIndicator with useTyping, against the real server.
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, expect, test } from 'vitest';
import { RoomAvatars, TypingIndicator } from '../../src/components/index.ts';
import { enterRoom } from '../../src/core/index.ts';
import { RoomProvider, useTyping } from '../../src/index.ts';
import { createPresenceWrapper, startTestServer, type TestServer } from '../../src/testing/index.ts';
import { waitForStatus } from '../helpers.ts';

let server: TestServer;
afterEach(async () => {
  cleanup();
  await server?.close();
});

const person = (id: string, displayName: string) => ({ id, username: id, displayName });

async function joined(userId: string, room: string, presence: Record<string, unknown> = {}) {
  const client = server.clientFor(userId);
  client.connect();
  await waitForStatus(client, 'connected');
  return enterRoom(client, room, { presence });
}

test('RoomAvatars: me first, then the others with their status dots, "+N" and a summary', async () => {
  server = await startTestServer({
    users: [person('me', 'Me'), person('ada', 'Ada'), person('grace', 'Grace'), person('linus', 'Linus'), person('ken', 'Ken')],
    roomTickMs: 10,
  });
  for (const id of ['ada', 'grace', 'linus', 'ken']) await joined(id, 'doc:1');
  server.controls.setPresence('grace', { status: 'busy' });
  const Wrapper = createPresenceWrapper(server.clientFor('me'));
  render(
    <Wrapper>
      <RoomProvider id="doc:1">
        <RoomAvatars max={3} data-testid="stack" />
      </RoomProvider>
    </Wrapper>,
  );
  const stack = screen.getByTestId('stack');
  await waitFor(() => expect(stack.dataset.count).toBe('5'));
  await waitFor(() => expect(stack.getAttribute('aria-label')).toBe('Me, Ada, and 3 others here'));
  expect(stack.querySelector('.pk-avatar-stack-more')?.textContent).toBe('+2');
  const dots = [...stack.querySelectorAll('.pk-avatar-dot')].map((dot) => (dot as HTMLElement).dataset.status);
  expect(dots).toHaveLength(3);
  await waitFor(() => expect([...stack.querySelectorAll('.pk-avatar-dot')].map((dot) => (dot as HTMLElement).dataset.status)).toContain('busy'));
});

test('TypingIndicator follows useTyping in others’ inputs: starts on input, stops when idle or on send', async () => {
  server = await startTestServer({ users: [person('me', 'Me'), person('ada', 'Ada'), person('grace', 'Grace'), person('linus', 'Linus')], roomTickMs: 10 });
  const grace = await joined('grace', 'chat:1');
  const linus = await joined('linus', 'chat:1');
  const ada = server.clientFor('ada');
  function Composer() {
    const [text, setText] = useState('');
    const { onInput, stop } = useTyping({ idleMs: 1_000 });
    return (
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setText('');
          stop();
        }}
      >
        <input
          aria-label="message"
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            onInput();
          }}
        />
      </form>
    );
  }
  const AdaWrapper = createPresenceWrapper(ada);
  const MeWrapper = createPresenceWrapper(server.clientFor('me'));
  render(
    <>
      <AdaWrapper>
        <RoomProvider id="chat:1">
          <Composer />
        </RoomProvider>
      </AdaWrapper>
      <MeWrapper>
        <RoomProvider id="chat:1">
          <TypingIndicator data-testid="typing" />
        </RoomProvider>
      </MeWrapper>
    </>,
  );
  const indicator = screen.getByTestId('typing');
  expect(indicator.getAttribute('role')).toBe('status');
  expect(indicator.getAttribute('aria-live')).toBe('polite');
  await waitForStatus(ada, 'connected');
  const input = await screen.findByLabelText('message');
  // Ada's room must be entered before her typing can be sent.
  await waitFor(() => expect(ada.state.getState().status).toBe('connected'));
  await new Promise<void>((resolve) => {
    const check = () => (grace.getOthers().some((member) => member.userId === 'ada') ? resolve() : undefined);
    grace.subscribe(check);
    check();
  });
  act(() => void fireEvent.change(input, { target: { value: 'h' } }));
  await waitFor(() => expect(indicator.textContent).toBe('Ada is typing…'));
  // Idle: stops by itself.
  await waitFor(() => expect(indicator.textContent).toBe(''), { timeout: 3_000 });

  act(() => void fireEvent.change(input, { target: { value: 'hi' } }));
  grace.updatePresence({ typing: true });
  await waitFor(() => expect(indicator.textContent).toMatch(/^(Ada and Grace|Grace and Ada) are typing…$/));
  linus.updatePresence({ typing: true });
  await waitFor(() => expect(indicator.textContent).toMatch(/^(Ada|Grace|Linus) and 2 others are typing…$/));
  expect(indicator.dataset.count).toBe('3');
  act(() => void fireEvent.submit(input.closest('form')!));
  await waitFor(() => expect(indicator.dataset.count).toBe('2'));
});

test('TypingIndicator renders names as text and takes a translation', async () => {
  server = await startTestServer({ users: [person('me', 'Me'), person('eve', '<img src=x onerror=alert(1)>')], roomTickMs: 10 });
  await joined('eve', 'chat:2', { typing: true });
  const Wrapper = createPresenceWrapper(server.clientFor('me'));
  render(
    <Wrapper>
      <RoomProvider id="chat:2">
        <TypingIndicator data-testid="typing" format={(names, others) => `${names.join(', ')} tippt${others ? ` (+${others})` : ''}…`} />
      </RoomProvider>
    </Wrapper>,
  );
  const indicator = screen.getByTestId('typing');
  await waitFor(() => expect(indicator.textContent).toBe('<img src=x onerror=alert(1)> tippt…'));
  expect(indicator.querySelector('img')).toBeNull();
});
