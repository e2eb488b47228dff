import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, userEvent, waitFor, within } from 'storybook/test';
import { OnlineBadge, StatusPicker } from '../src/components/index.ts';
import { withMockPresence } from './support.tsx';

const meta = {
  title: 'Components/StatusPicker',
  component: StatusPicker,
  decorators: [withMockPresence()],
  args: { onSaved: fn() },
} satisfies Meta<typeof StatusPicker>;

export default meta;
type Story = StoryObj<typeof meta>;

export const Default: Story = {};

/** Choose "Busy", write a message, save: the server acknowledges and the badge follows. */
export const ChooseBusy: Story = {
  render: (args) => (
    <div className="catalog-row" style={{ alignItems: 'flex-start' }}>
      <StatusPicker {...args} />
      <OnlineBadge userId="me" showLabel />
    </div>
  ),
  play: async ({ canvasElement, args }) => {
    const canvas = within(canvasElement);
    const form = await canvas.findByRole('form', { name: 'Set your status' });
    await waitFor(() => expect(form.dataset.status).toBe('online'));
    await userEvent.click(canvas.getByRole('radio', { name: /Busy/ }));
    await userEvent.type(canvas.getByLabelText('Status message'), 'Writing the release notes');
    await userEvent.click(canvas.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(form.dataset.status).toBe('busy'));
    await expect(args.onSaved).toHaveBeenCalledWith('busy', 'Writing the release notes');
    await expect(await canvas.findByText('Busy', { selector: '.pk-badge-label' })).toBeTruthy();
  },
};

/** 'Invisible' hides you from everyone else; you still see yourself as invisible. */
export const ChooseInvisible: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const form = await canvas.findByRole('form', { name: 'Set your status' });
    await waitFor(() => expect(form.dataset.status).toBe('online'));
    await userEvent.click(canvas.getByRole('radio', { name: /Invisible/ }));
    await userEvent.click(canvas.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(form.dataset.status).toBe('invisible'));
  },
};
