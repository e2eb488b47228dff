import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';
import { ConnectionStatus } from '../src/components/index.ts';
import { withMockPresence } from './support.tsx';

const meta = {
  title: 'Components/ConnectionStatus',
  component: ConnectionStatus,
  decorators: [withMockPresence()],
  args: { showWhenConnected: true },
} satisfies Meta<typeof ConnectionStatus>;

export default meta;
type Story = StoryObj<typeof meta>;

export const Connected: Story = {
  play: async ({ canvasElement }) => {
    const region = within(canvasElement).getByRole('status');
    await waitFor(() => expect(region.dataset.state).toBe('connected'));
  },
};

/** The network is gone: the client keeps retrying with backoff and says so. */
export const Reconnecting: Story = {
  decorators: [withMockPresence({ network: 'down' })],
  play: async ({ canvasElement }) => {
    const region = within(canvasElement).getByRole('status');
    await waitFor(() => expect(region.dataset.state).toBe('reconnecting'));
    await expect(region.textContent).toContain('Reconnecting');
  },
};

/** While connected it says nothing, unless asked to. */
export const QuietWhenConnected: Story = { args: { showWhenConnected: false } };
