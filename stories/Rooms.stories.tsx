import type { Meta, StoryObj } from '@storybook/react-vite';
import { useEffect, useState } from 'react';
import { expect, waitFor, within } from 'storybook/test';
import { RoomAvatars, TypingIndicator, UserAvatar } from '../src/components/index.ts';
import { RoomProvider, useOther, useOtherIds, useTyping, useUpdateMyPresence } from '../src/react/index.ts';
import type { MockPresenceControls } from '../src/testing/browser.ts';
import { withMockPresence } from './support.tsx';

type Cursor = { x: number; y: number } | null;

/** Another member's cursor, drawn by the app from their room presence (the kit does not draw cursors). */
function OtherCursor({ userId }: { userId: string }) {
  const cursor = useOther(userId, (member) => (member?.presence as { cursor?: Cursor } | null | undefined)?.cursor ?? null);
  const name = useOther(userId, (member) => member?.user?.displayName ?? userId);
  if (!cursor) return null;
  return (
    <div className="catalog-cursor" style={{ transform: `translate(${cursor.x}px, ${cursor.y}px)` }} aria-hidden="true">
      <UserAvatar userId={userId} size={20} showStatus={false} />
      <span>{name}</span>
    </div>
  );
}

/** A collaborative document: who is here, their cursors, and a chat with typing. */
function Document() {
  const ids = useOtherIds();
  const update = useUpdateMyPresence<{ cursor: Cursor }>();
  const [text, setText] = useState('');
  const { onInput, stop } = useTyping();
  return (
    <div style={{ display: 'grid', gap: 12, width: 480 }}>
      <header className="catalog-row" style={{ justifyContent: 'space-between' }}>
        <strong>Design notes</strong>
        <RoomAvatars max={4} />
      </header>
      <div
        className="catalog-canvas"
        onPointerMove={(event) => {
          const box = event.currentTarget.getBoundingClientRect();
          update({ cursor: { x: Math.round(event.clientX - box.left), y: Math.round(event.clientY - box.top) } });
        }}
        onPointerLeave={() => update({ cursor: null })}
      >
        {ids.map((id) => (
          <OtherCursor key={id} userId={id} />
        ))}
      </div>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setText('');
          stop();
        }}
      >
        <input
          aria-label="Message"
          placeholder="Message the room"
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            onInput();
          }}
          style={{ width: '100%' }}
        />
      </form>
      <TypingIndicator />
    </div>
  );
}

function RoomStory() {
  return (
    <RoomProvider id="doc:design-notes" initialPresence={{ cursor: null }}>
      <Document />
    </RoomProvider>
  );
}

/** A fixed scene: three people here, one typing, two cursors. */
function seat(controls: MockPresenceControls): void {
  controls.setRoomPresence('doc:design-notes', 'ada', { cursor: { x: 60, y: 40 } });
  controls.setRoomPresence('doc:design-notes', 'grace', { cursor: { x: 260, y: 110 }, typing: true });
  controls.setRoomPresence('doc:design-notes', 'margaret', { cursor: null });
}

const meta = {
  title: 'Rooms/A collaborative document',
  component: RoomStory,
  decorators: [
    withMockPresence({}, (controls) => {
      seat(controls);
      current = controls;
    }),
  ],
  parameters: { docs: { description: { component: 'RoomAvatars, cursors drawn from room presence, and TypingIndicator with useTyping.' } } },
} satisfies Meta<typeof RoomStory>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Who is here: you, Ada, Grace and Margaret, with their status dots; Grace is typing. */
export const WhoIsHere: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const stack = await canvas.findByRole('img', { name: /here$/ });
    await waitFor(() => expect(stack.dataset.count).toBe('4'));
    await waitFor(() => expect(canvas.getByRole('status').textContent).toBe('Grace Hopper is typing…'));
  },
};

/** Simulated members moving and typing (timers: left out of the screenshot run). */
export const Simulated: Story = {
  tags: ['!test'],
  decorators: [
    (Story) => (
      <>
        <Story />
        <Simulation />
      </>
    ),
  ],
};

/** The fake server of the story on screen. */
let current: MockPresenceControls | undefined;

/** Moves the cursors along slow circles and lets people start and stop typing. */
function Simulation() {
  useEffect(() => {
    let t = 0;
    const timer = setInterval(() => {
      t += 1;
      const around = (phase: number, r: number) => ({
        x: Math.round(200 + r * Math.cos(t / 10 + phase)),
        y: Math.round(90 + (r / 2) * Math.sin(t / 10 + phase)),
      });
      current?.setRoomPresence('doc:design-notes', 'ada', { cursor: around(0, 150) });
      current?.setRoomPresence('doc:design-notes', 'grace', { cursor: around(2, 110), typing: t % 60 < 25 });
      if (t % 80 === 40) current?.leaveRoom('doc:design-notes', 'margaret');
      if (t % 80 === 0) current?.setRoomPresence('doc:design-notes', 'margaret', { cursor: around(4, 80), typing: false });
    }, 100);
    return () => clearInterval(timer);
  }, []);
  return null;
}
