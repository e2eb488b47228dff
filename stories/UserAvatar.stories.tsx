import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';
import { UserAvatar } from '../src/components/index.ts';
import { makePresence, makeUserView } from '../src/testing/browser.ts';
import { ME, avatar, photo, withMockPresence } from './support.tsx';

const meta = {
  title: 'Components/UserAvatar',
  component: UserAvatar,
  decorators: [withMockPresence()],
  args: { userId: 'ada', size: 'lg', showStatus: true },
  argTypes: {
    userId: { control: 'select', options: ['ada', 'grace', 'linus', 'radia', 'barbara', 'frances', 'nobody'] },
    size: { control: 'inline-radio', options: ['sm', 'md', 'lg'] },
  },
} satisfies Meta<typeof UserAvatar>;

export default meta;
type Story = StoryObj<typeof meta>;

export const WithPicture: Story = {
  play: async ({ canvasElement }) => {
    const element = await within(canvasElement).findByRole('img', { name: /Ada Lovelace/ });
    await waitFor(() => expect(element.dataset.state).toBe('image'));
  },
};

/** No picture: initials on a coloured disc. */
export const Initials: Story = { args: { userId: 'barbara' } };

/** A picture that fails to load falls back to initials. */
export const BrokenPicture: Story = {
  args: { userId: 'broken' },
  decorators: [withMockPresence(() => ({ users: [ME, makeUserView('broken', { displayName: 'Broken Link', avatarUrl: avatar('does-not-exist') })] }))],
  play: async ({ canvasElement }) => {
    const element = await within(canvasElement).findByRole('img', { name: /Broken Link/ });
    await waitFor(() => expect(element.dataset.state).toBe('fallback'));
    await expect(element.textContent).toBe('BL');
  },
};

/**
 * A real photograph (busy, green): the dot keeps a ring of the surface colour, so each status reads on
 * any picture, and it stays in proportion from 24 to 88 pixels.
 */
export const Photo: Story = {
  decorators: [
    withMockPresence(() => ({
      users: [
        ME,
        ...(['online', 'away', 'busy', 'offline'] as const).map((status) =>
          makeUserView(`photo-${status}`, { displayName: `Photo ${status}`, avatarUrl: photo(), presence: makePresence(status) }),
        ),
      ],
    })),
  ],
  render: () => (
    <div style={{ display: 'grid', gap: 12 }}>
      {(['sm', 'md', 'lg', 88] as const).map((size) => (
        <div key={size} className="catalog-row">
          {['online', 'away', 'busy', 'offline'].map((status) => (
            <UserAvatar key={status} userId={`photo-${status}`} size={size} />
          ))}
        </div>
      ))}
    </div>
  ),
  play: async ({ canvasElement }) => {
    const pictures = await within(canvasElement).findAllByRole('img', { name: /Photo online/ });
    await waitFor(() => expect(pictures.every((element) => element.dataset.state === 'image')).toBe(true));
  },
};

export const Sizes: Story = {
  render: () => (
    <div className="catalog-row">
      <UserAvatar userId="grace" size="sm" />
      <UserAvatar userId="grace" size="md" />
      <UserAvatar userId="grace" size="lg" />
      <UserAvatar userId="grace" size={88} />
    </div>
  ),
};

export const Statuses: Story = {
  render: () => (
    <div className="catalog-row">
      {['ada', 'linus', 'grace', 'radia'].map((id) => (
        <UserAvatar key={id} userId={id} size="lg" />
      ))}
    </div>
  ),
};

export const LongName: Story = {
  args: { userId: 'long' },
  decorators: [
    withMockPresence(() => ({
      users: [ME, makeUserView('long', { displayName: 'Maria Magdalena Anna Gräfin von Hohenberg-Schillingsfürst', presence: makePresence('busy') })],
    })),
  ],
};

/** While the profile loads: a neutral disc, `data-state="loading"`. (This server answers after a minute.) */
export const Loading: Story = {
  args: { userId: 'slow' },
  decorators: [withMockPresence({ latencyMs: 60_000 })],
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByRole('img', { name: /Loading user/ }).dataset.state).toBe('loading');
  },
};
