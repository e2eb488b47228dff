import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';
import { AvatarStack } from '../src/components/index.ts';
import { withMockPresence } from './support.tsx';

const meta = {
  title: 'Components/AvatarStack',
  component: AvatarStack,
  decorators: [withMockPresence()],
  args: { max: 4, hideCurrentUser: true },
} satisfies Meta<typeof AvatarStack>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Everyone online, four avatars and "+N" for the rest, one accessible summary. */
export const EveryoneOnline: Story = {
  play: async ({ canvasElement }) => {
    const stack = await within(canvasElement).findByRole('img', { name: /online$/ });
    await waitFor(() => expect(stack.getAttribute('aria-label')).toBe('Ada Lovelace, Grace Hopper, and 5 others online'));
    await expect(stack.querySelectorAll('.pk-avatar')).toHaveLength(4);
    await expect(stack.textContent).toContain('+3');
  },
};

/** Given people (a document's collaborators), larger, all shown. */
export const GivenPeople: Story = { args: { userIds: ['ada', 'grace', 'margaret'], size: 'md', max: 5 } };

/** No one online: an empty stack still says so. */
export const NoOneOnline: Story = {
  args: { userIds: [] },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByRole('img', { name: 'No one online' })).toBeTruthy();
  },
};

/** Another language: the summary is yours to word; the list joins with Intl.ListFormat. */
export const French: Story = {
  args: {
    locale: 'fr',
    summary: (names, others, locale) =>
      `${new Intl.ListFormat(locale, { type: 'conjunction' }).format(others ? [...names, `${others} autres`] : names)} en ligne`,
  },
};
