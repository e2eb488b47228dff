import type { Meta, StoryObj } from '@storybook/react-vite';
import { AvatarStack, ConnectionStatus, OnlineBadge, OnlineList, RoomAvatars, StatusPicker, TypingIndicator, UserAvatar } from '../src/components/index.ts';
import { PresenceProvider, RoomProvider, useConnectionState, useCurrentUser, useOnlineUsers } from '../src/react/index.ts';

/**
 * Live stories talk to the presence server that `npm run dev` starts (with simulated users and guest
 * sessions). They are left out of the test run, which has no such server: the other stories use the
 * in-memory fake and render the same every time.
 */
const SERVER = (import.meta.env.STORYBOOK_PRESENCE_URL as string | undefined) ?? 'http://127.0.0.1:8787';

function Header() {
  const online = useOnlineUsers();
  const { user } = useCurrentUser();
  return (
    <header className="catalog-row" style={{ justifyContent: 'space-between' }}>
      <div className="catalog-row">
        <AvatarStack max={8} size="md" />
        <span className="catalog-muted">{online.length} online now</span>
      </div>
      {user ? (
        <div className="catalog-card">
          <UserAvatar userId={user.id} size="sm" />
          <span className="catalog-name">{user.displayName}</span>
          <OnlineBadge userId={user.id} showLabel />
        </div>
      ) : null}
    </header>
  );
}

/** Says what to do when the dev server is not there (the connection keeps retrying meanwhile). */
function ServerCheck() {
  const { status, error } = useConnectionState();
  if (status === 'connected' || !error) return null;
  return (
    <p role="alert">
      Start the presence server with `npm run dev` ({SERVER}): {error.message}
    </p>
  );
}

function LiveCatalog() {
  // The dev server allows guests: the provider signs in as one itself.
  return (
    <PresenceProvider url={SERVER} guest={{ displayName: 'Catalog visitor' }}>
      <div style={{ display: 'grid', gap: 16 }}>
        <ServerCheck />
        <ConnectionStatus />
        <Header />
        {/* The dev server's simulated users wander into this room (and two channels), move and type. */}
        <RoomProvider id="doc:welcome">
          <section className="catalog-row" aria-label="Room doc:welcome">
            <strong>doc:welcome</strong>
            <RoomAvatars max={6} />
            <TypingIndicator />
          </section>
        </RoomProvider>
        <div className="catalog-row" style={{ alignItems: 'stretch' }}>
          <OnlineList style={{ height: 520, width: 400 }} hideCurrentUser />
          <StatusPicker />
        </div>
      </div>
    </PresenceProvider>
  );
}

const meta = {
  title: 'Live/With the dev server',
  component: LiveCatalog,
  tags: ['!test', '!autodocs'],
  parameters: { layout: 'fullscreen' },
} satisfies Meta<typeof LiveCatalog>;

export default meta;

export const Catalog: StoryObj<typeof meta> = {};
