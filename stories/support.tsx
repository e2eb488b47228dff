import type { Decorator } from '@storybook/react-vite';
import { useState } from 'react';
import { PresenceProvider } from '../src/react/index.ts';
import { createMockPresence, makePresence, makeUserView, type MockPresenceControls, type MockPresenceOptions } from '../src/testing/browser.ts';
import type { Presence, UserView } from '../src/core/index.ts';

/** A picture served by the catalog itself, as an absolute URL (the protocol accepts only those). */
export const avatar = (name: string) => new URL(`avatars/${name}.svg`, window.location.href).href;

/** A real photograph (see .storybook/public/avatars/NOTICE.md): busy, green, the hard case for a status dot. */
export const photo = () => new URL('avatars/ladybird.jpg', window.location.href).href;

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
/**
 * Later today: an expiry past midnight is shown with its day ("until Sun 00:05"), which changed the cards'
 * screenshots in the last hour of every day. Kept before midnight (only its last second is left out).
 */
const minutesAhead = (minutes: number) => {
  const endOfDay = new Date();
  endOfDay.setHours(23, 59, 59, 999);
  return new Date(Math.min(Date.now() + minutes * 60_000, endOfDay.getTime())).toISOString();
};

/** A deterministic cast: fixed names, statuses and messages, times relative to page load. */
export function people(): UserView[] {
  const person = (id: string, displayName: string, presence: Presence, extra: Partial<UserView> = {}) =>
    makeUserView(id, { displayName, username: id, presence, ...extra });
  return [
    person('ada', 'Ada Lovelace', makePresence('online', { statusMessage: 'Reviewing the engine notes', statusEmoji: '📝' }), { avatarUrl: avatar('ada') }),
    person('grace', 'Grace Hopper', makePresence('busy', { statusMessage: 'Debugging — do not disturb', statusEmoji: '🐛' }), { avatarUrl: avatar('grace') }),
    person('linus', 'Linus Torvalds', makePresence('away', { statusMessage: 'Lunch', statusEmoji: '🍜', statusExpiresAt: minutesAhead(30) }), {
      avatarUrl: avatar('linus'),
    }),
    person('margaret', 'Margaret Hamilton', makePresence('online'), { avatarUrl: avatar('margaret') }),
    person('radia', 'Radia Perlman', makePresence('offline', { lastOnline: minutesAgo(5) }), { avatarUrl: avatar('radia') }),
    person('ken', 'Ken Thompson', makePresence('offline', { lastOnline: minutesAgo(60 * 26) }), { avatarUrl: avatar('ken') }),
    person('barbara', 'Barbara Liskov', makePresence('online', { statusMessage: 'In a design review', statusEmoji: '📅', statusExpiresAt: minutesAhead(60) })),
    person('dennis', 'Dennis Ritchie', makePresence('offline', { lastOnline: minutesAgo(60 * 24 * 9) })),
    person('frances', 'Frances Allen', makePresence('away'), { avatarUrl: photo() }),
    person('katherine', 'Katherine Johnson', makePresence('online', { callStatus: 'in-call', statusMessage: 'On a call' })),
  ];
}

/** The signed-in user of every mock story. */
export const ME = makeUserView('me', { displayName: 'You', username: 'me', presence: makePresence('online') });

/**
 * Wraps a story in a provider whose client talks to an in-memory fake server, created once per story
 * mount, so the story renders the same every time and needs no server.
 */
export function withMockPresence(
  options: Partial<MockPresenceOptions> | (() => Partial<MockPresenceOptions>) = {},
  onReady?: (controls: MockPresenceControls) => void,
): Decorator {
  return function MockPresenceDecorator(Story) {
    const [mock] = useState(() => {
      const resolved = typeof options === 'function' ? options() : options;
      const created = createMockPresence({ users: [ME, ...people()], me: 'me', ...resolved });
      onReady?.(created.controls);
      return created;
    });
    return (
      <PresenceProvider client={mock.client}>
        <Story />
      </PresenceProvider>
    );
  };
}
