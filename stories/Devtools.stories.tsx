import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { OnlineList, StatusPicker } from '../src/components/index.ts';
import { PresenceDevtools } from '../src/devtools/index.ts';
import { withMockPresence } from './support.tsx';

const meta = {
  title: 'Devtools/PresenceDevtools',
  component: PresenceDevtools,
  decorators: [withMockPresence()],
  args: { initialIsOpen: true },
  // The panel floats over the page; this frame is its page (a transformed box holds fixed children).
  render: (args) => (
    <div style={{ position: 'relative', height: 620, transform: 'translateZ(0)' }}>
      <div className="catalog-row" style={{ alignItems: 'flex-start' }}>
        <OnlineList style={{ height: 220, width: 320 }} />
      </div>
      <PresenceDevtools {...args} />
    </div>
  ),
} satisfies Meta<typeof PresenceDevtools>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Open: the connection, the cursor, who is retained and by how many, and every frame both ways. */
export const Open: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const panel = await canvas.findByRole('region', { name: 'Presence devtools' });
    await waitFor(() => expect(within(panel).getByRole('table', { name: 'Retained users' }).textContent).toContain('online list'));
    await waitFor(() => expect(within(panel).getByRole('table', { name: 'Events' }).textContent).toContain('snapshot'));
    await expect(within(panel).getByRole('list', { name: 'Connection history' }).textContent).toContain('connected');
  },
};

/** A status change appears as a pending change, then as `set-presence` sent and `ack` received. */
export const StatusChange: Story = {
  render: (args) => (
    <div style={{ position: 'relative', height: 720, transform: 'translateZ(0)' }}>
      <StatusPicker />
      <PresenceDevtools {...args} />
    </div>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const form = await canvas.findByRole('form', { name: 'Set your status' });
    await waitFor(() => expect(form.dataset.status).toBe('online'));
    await userEvent.click(canvas.getByRole('radio', { name: /Busy/ }));
    await userEvent.click(canvas.getByRole('button', { name: 'Save' }));
    const panel = canvas.getByRole('region', { name: 'Presence devtools' });
    await waitFor(() => expect(within(panel).getByRole('table', { name: 'Events' }).textContent).toContain('ack'));
    await userEvent.type(within(panel).getByRole('searchbox'), 'presence');
    await waitFor(() => expect(within(panel).getByRole('table', { name: 'Events' }).textContent).not.toContain('ack'));
  },
};

/** Closed: a small button in the corner, with the connection's colour. */
export const Closed: Story = {
  args: { initialIsOpen: false },
  play: async ({ canvasElement }) => {
    const toggle = await within(canvasElement).findByRole('button', { name: 'Presence devtools' });
    await waitFor(() => expect(toggle.dataset.status).toBe('connected'));
  },
};
