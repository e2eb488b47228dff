/** @vitest-environment happy-dom */
// The room hooks against the real server: who is here, my presence, events, and renders only where a member shows.
import { act, cleanup, render, waitFor } from '@testing-library/react';
import { memo, StrictMode } from 'react';
import { afterEach, expect, test } from 'vitest';
import { enterRoom, type Room } from '../../src/core/index.ts';
import { kernelOf } from '../../src/core/kernel.ts';
import {
  RoomProvider,
  shallowEqual,
  useBroadcastEvent,
  useMyPresence,
  useOther,
  useOtherIds,
  useOthers,
  useRoom,
  useRoomEvent,
  type PresenceClient,
} from '../../src/index.ts';
import { createPresenceWrapper, startTestServer, type TestServer } from '../../src/testing/index.ts';
import { waitForStatus } from '../helpers.ts';

let server: TestServer;
afterEach(async () => {
  cleanup();
  await server?.close();
});

async function connected(userId: string): Promise<PresenceClient> {
  const client = server.clientFor(userId);
  client.connect();
  await waitForStatus(client, 'connected');
  return client;
}

function until(room: Room<unknown, unknown>, check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (check()) return resolve();
    const stop = room.subscribe(() => {
      if (check()) {
        stop();
        resolve();
      }
    });
  });
}

test('a member’s change re-renders only what shows that member; entering and leaving re-render the list', async () => {
  const names = ['u1', 'u2', 'u3', 'u4', 'u5'];
  server = await startTestServer({ users: ['viewer', ...names], roomTickMs: 10, roomLeaveGraceMs: 50 });
  const others = await Promise.all(names.map(connected));
  const rooms = others.map((client, i) => enterRoom(client, 'doc:1', { presence: { x: i } }));
  const viewer = server.clientFor('viewer');
  const roomFrames: string[] = [];
  kernelOf(viewer).taps.add((direction, frame) => direction === 'out' && frame.type.startsWith('room-') && roomFrames.push(frame.type));
  const Wrapper = createPresenceWrapper(viewer);
  const renders = new Map<string, number>();
  const count = (key: string) => renders.set(key, (renders.get(key) ?? 0) + 1);

  const Cursor = memo(function Cursor({ id }: { id: string }) {
    const x = useOther(id, (member) => (member?.presence as { x: number } | null | undefined)?.x);
    count(`cursor:${id}`);
    return <li data-testid={id}>{x}</li>;
  });
  function Cursors() {
    const ids = useOtherIds();
    count('cursors');
    return (
      <ul>
        {ids.map((id) => (
          <Cursor key={id} id={id} />
        ))}
      </ul>
    );
  }
  function Count() {
    const n = useOthers((list) => list.length);
    count('count');
    return <span data-testid="count">{n}</span>;
  }
  const view = render(
    <StrictMode>
      <Wrapper>
        <RoomProvider id="doc:1" initialPresence={{ x: 99 }}>
          <Cursors />
          <Count />
        </RoomProvider>
      </Wrapper>
    </StrictMode>,
  );
  await waitFor(() => expect(view.getByTestId('count').textContent).toBe('5'));
  await waitFor(() => expect(view.getByTestId('u3').textContent).toBe('2'));
  renders.clear();

  await act(async () => {
    rooms[2]!.updatePresence({ x: 42 });
    await waitFor(() => expect(view.getByTestId('u3').textContent).toBe('42'));
  });
  // StrictMode renders twice: one change is one (doubled) render of u3's cursor and nothing else.
  expect([...renders.keys()]).toEqual(['cursor:u3']);
  expect(renders.get('cursor:u3')).toBeLessThanOrEqual(2);

  renders.clear();
  await act(async () => {
    rooms[4]!.leave();
    await waitFor(() => expect(view.getByTestId('count').textContent).toBe('4'), { timeout: 8_000 });
  });
  expect(renders.has('cursors')).toBe(true);
  expect([...renders.keys()].filter((key) => key.startsWith('cursor:'))).toEqual([]);
  // StrictMode's mount, unmount and mount entered the room once, and never left it.
  expect(roomFrames).toEqual(['room-enter']);
}, 15_000);

test('useMyPresence shows my update at once and others see it; useBroadcastEvent reaches useRoomEvent', async () => {
  server = await startTestServer({ users: ['ada', 'grace'], roomTickMs: 10 });
  const grace = await connected('grace');
  const graceRoom = enterRoom<{ tool: string }, { emoji: string }>(grace, 'doc:2');
  const ada = server.clientFor('ada');
  const sent: string[] = [];
  kernelOf(ada).taps.add((direction, frame) => direction === 'out' && frame.type.startsWith('room-enter') && sent.push(frame.type));
  const Wrapper = createPresenceWrapper(ada);
  const heard: string[] = [];
  let broadcast: ((event: { emoji: string }) => boolean) | undefined;
  function Toolbar() {
    const [presence, update] = useMyPresence<{ tool: string }>();
    broadcast = useBroadcastEvent<{ emoji: string }>();
    useRoomEvent<{ emoji: string }>((event, from) => heard.push(`${from?.userId}:${event.emoji}`));
    const room = useRoom();
    return (
      <button data-testid="tool" data-status={room?.getStatus() ?? 'none'} onClick={() => update({ tool: 'eraser' })}>
        {presence?.tool ?? '…'}
      </button>
    );
  }
  const view = render(
    <StrictMode>
      <Wrapper>
        <RoomProvider id="doc:2" initialPresence={{ tool: 'pen' }}>
          <Toolbar />
        </RoomProvider>
      </Wrapper>
    </StrictMode>,
  );
  await waitFor(() => expect(view.getByTestId('tool').textContent).toBe('pen'));
  await until(graceRoom, () => graceRoom.getOthers().some((member) => member.userId === 'ada'));
  act(() => view.getByTestId('tool').click());
  expect(view.getByTestId('tool').textContent).toBe('eraser');
  await until(graceRoom, () => graceRoom.getOthers()[0]?.presence?.tool === 'eraser');
  expect(sent).toEqual(['room-enter']);

  graceRoom.broadcast({ emoji: '🎉' });
  await waitFor(() => expect(heard).toEqual(['grace:🎉']));
  const heardByGrace = new Promise<string>((resolve) => graceRoom.onEvent((event, _from, userId) => resolve(`${userId}:${event.emoji}`)));
  expect(broadcast!({ emoji: '👋' })).toBe(true);
  expect(await heardByGrace).toBe('ada:👋');
});

test('room hooks outside a RoomProvider say what is missing', () => {
  function Lost() {
    useOthers();
    return null;
  }
  expect(() => render(<Lost />)).toThrow(/RoomProvider/);
  expect(shallowEqual([1], [1])).toBe(true);
});
