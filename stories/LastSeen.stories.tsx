import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, within } from 'storybook/test';
import { LastSeen } from '../src/components/index.ts';
import { withMockPresence } from './support.tsx';

const meta = {
  title: 'Components/LastSeen',
  component: LastSeen,
  decorators: [withMockPresence()],
  args: { userId: 'radia', locale: 'en' },
  argTypes: {
    userId: { control: 'select', options: ['ada', 'radia', 'ken', 'dennis', 'nobody'] },
    locale: { control: 'inline-radio', options: ['en', 'fr', 'de', 'ja'] },
  },
} satisfies Meta<typeof LastSeen>;

export default meta;
type Story = StoryObj<typeof meta>;

export const MinutesAgo: Story = {
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByText('5 minutes ago')).toBeTruthy();
  },
};
export const Yesterday: Story = { args: { userId: 'ken' } };
export const LastWeek: Story = { args: { userId: 'dennis' } };
export const OnlineNow: Story = { args: { userId: 'ada' } };
export const NeverSeen: Story = { args: { userId: 'nobody' } };
export const French: Story = { args: { locale: 'fr' } };
export const Japanese: Story = { args: { locale: 'ja', userId: 'ken' } };

/** Many instances share one timer. */
export const Directory: Story = {
  render: (args) => (
    <ul>
      {['ada', 'radia', 'ken', 'dennis'].map((id) => (
        <li key={id}>
          {id}: <LastSeen userId={id} locale={args.locale} />
        </li>
      ))}
    </ul>
  ),
};
