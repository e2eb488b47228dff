import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, within } from 'storybook/test';
import { MyStatus, UserAvatar, UserCard, UserCardPopover } from '../src/components/index.ts';
import { makePresence } from '../src/testing/browser.ts';
import { people, ME, withMockPresence } from './support.tsx';

const meta = {
  title: 'Components/UserCard',
  component: UserCard,
  // Grace reports her device's offset: the card shows her local time (hidden in screenshots: it moves).
  decorators: [
    withMockPresence(() => ({
      users: [ME, ...people().map((user) => (user.id === 'grace' ? { ...user, presence: makePresence('busy', { ...user.presence, utcOffset: -5 }) } : user))],
    })),
  ],
  args: { userId: 'grace', locale: 'en' },
  argTypes: { userId: { control: 'select', options: ['ada', 'grace', 'linus', 'radia', 'nobody'] } },
} satisfies Meta<typeof UserCard>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Busy, with a message and emoji, and her local time. */
export const Busy: Story = {
  play: async ({ canvasElement }) => {
    const card = within(canvasElement);
    await expect(await card.findByText('Grace Hopper')).toBeTruthy();
    await expect(await card.findByText(/local time$/)).toBeTruthy();
  },
};
/** A message that clears itself says until when. */
export const AwayUntil: Story = { args: { userId: 'linus' } };
/** Offline: when they were last seen, and no stale message. */
export const Offline: Story = {
  args: { userId: 'radia' },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByText('5 minutes ago')).toBeTruthy();
  },
};

/** From any avatar: hover (after a short rest), click or Enter opens the card; Escape closes it. */
export const FromAnAvatar: Story = {
  render: (args) => (
    <div style={{ minHeight: 200 }}>
      <UserCardPopover userId={args.userId} locale={args.locale}>
        <UserAvatar userId={args.userId} />
      </UserCardPopover>
    </div>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(await canvas.findByRole('button', { name: 'Grace Hopper (Busy)' }));
    await expect(await canvas.findByRole('dialog', { name: 'Profile of Grace Hopper' })).toBeTruthy();
  },
};

/** "Me" for a header: the signed-in user and their status; the button opens the StatusPicker. */
export const MyStatusInAHeader: Story = {
  render: () => (
    <header style={{ minHeight: 480 }}>
      <MyStatus />
    </header>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(await canvas.findByRole('button', { name: /You.*Online/ }));
    await expect(await canvas.findByRole('dialog', { name: 'Set your status' })).toBeTruthy();
  },
};
