import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, userEvent, waitFor, within } from 'storybook/test';
import { OnlineBadge, StatusPicker } from '../src/components/index.ts';
import { makePresence } from '../src/testing/browser.ts';
import { ME, people, withMockPresence } from './support.tsx';

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

const todayAt = (hours: number, minutes: number) => {
  const at = new Date();
  at.setHours(hours, minutes, 0, 0);
  return at.toISOString();
};

/** An emoji and "clear after" go with the message: the grid of emoji is buttons, Escape closes it. */
export const PickEmoji: Story = {
  args: { locale: 'en-GB' },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const form = await canvas.findByRole('form', { name: 'Set your status' });
    await waitFor(() => expect(form.dataset.status).toBe('online'));
    await userEvent.type(canvas.getByLabelText('Status message'), 'Focus time');
    await userEvent.selectOptions(canvas.getByLabelText('Clear after'), '1h');
    await userEvent.click(canvas.getByRole('button', { name: 'Add an emoji' }));
    await userEvent.keyboard('{Escape}');
    await expect(canvas.queryByRole('group', { name: 'Status emoji' })).toBeNull();
    await userEvent.click(canvas.getByRole('button', { name: 'Add an emoji' }));
    await userEvent.click(canvas.getByRole('button', { name: '🎧' }));
    await userEvent.click(canvas.getByRole('button', { name: 'Emoji: 🎧. Change emoji' }));
    await expect(canvas.getByRole('button', { name: '🎧', pressed: true })).toBeTruthy();
  },
};

/** A status that clears itself: the time it clears at is offered as set, so saving again keeps it. */
export const ClearsLater: Story = {
  args: { locale: 'en-GB' },
  decorators: [
    withMockPresence(() => ({
      users: [{ ...ME, presence: makePresence('online', { statusMessage: 'Focus time', statusEmoji: '🎧', statusExpiresAt: todayAt(17, 30) }) }, ...people()],
    })),
  ],
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const select = await canvas.findByLabelText<HTMLSelectElement>('Clear after');
    await waitFor(() => expect(select.selectedOptions[0]?.textContent).toBe('As set: 17:30'));
    await expect(canvas.getByRole('button', { name: 'Emoji: 🎧. Change emoji' })).toBeTruthy();
  },
};
