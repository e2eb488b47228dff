import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, within } from 'storybook/test';
import { OnlineBadge } from '../src/components/index.ts';
import { makePresence, makeUserView } from '../src/testing/browser.ts';
import { ME, withMockPresence } from './support.tsx';

const meta = {
  title: 'Components/OnlineBadge',
  component: OnlineBadge,
  decorators: [withMockPresence()],
  args: { userId: 'ada', showLabel: true },
  argTypes: {
    userId: { control: 'select', options: ['ada', 'grace', 'linus', 'radia', 'nobody'] },
  },
} satisfies Meta<typeof OnlineBadge>;

export default meta;
type Story = StoryObj<typeof meta>;

const expectStatus =
  (status: string): Story['play'] =>
  async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByText((_, element) => element?.getAttribute('data-status') === status)).toBeTruthy();
  };

export const Online: Story = { args: { userId: 'ada' }, play: expectStatus('online') };
export const Away: Story = { args: { userId: 'linus' }, play: expectStatus('away') };
export const Busy: Story = { args: { userId: 'grace' }, play: expectStatus('busy') };
export const Offline: Story = { args: { userId: 'radia' }, play: expectStatus('offline') };

/** Someone who chose 'invisible' is shown as offline to everyone else. */
export const Invisible: Story = {
  args: { userId: 'sam' },
  decorators: [withMockPresence({ users: [ME, makeUserView('sam', { presence: makePresence('invisible') })] })],
  play: expectStatus('offline'),
};

/** The dot alone: its status is its accessible name. */
export const DotOnly: Story = { args: { userId: 'grace', showLabel: false } };

export const UnknownUser: Story = { args: { userId: 'nobody' }, play: expectStatus('unknown') };

export const AllStatuses: Story = {
  render: () => (
    <div className="catalog-row">
      {['ada', 'linus', 'grace', 'radia'].map((id) => (
        <OnlineBadge key={id} userId={id} showLabel />
      ))}
    </div>
  ),
};
