import type { Meta, StoryObj } from '@storybook/react-vite';
import { useEffect, useState } from 'react';
import { ConnectionStatus, OnlineBadge, OnlineList, StatusPicker, UserAvatar } from '../src/components/index.ts';
import type { SessionTokens } from '../src/core/index.ts';
import { PresenceProvider, useCurrentUser, useOnlineUsers } from '../src/react/index.ts';

/**
 * Live stories talk to the presence server that `npm run dev` starts (with simulated users and guest
 * sessions). They are left out of the test run, which has no such server: the other stories use the
 * in-memory fake and render the same every time.
 */
const SERVER = (import.meta.env.STORYBOOK_PRESENCE_URL as string | undefined) ?? 'http://127.0.0.1:8787';

function useGuestSession(): { tokens: SessionTokens | null; error: string | null } {
  const [state, setState] = useState<{ tokens: SessionTokens | null; error: string | null }>({ tokens: null, error: null });
  useEffect(() => {
    let cancelled = false;
    fetch(`${SERVER}/api/v1/guest-sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Catalog visitor' }),
    })
      .then(async (response) => {
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const body = (await response.json()) as { tokens: SessionTokens };
        if (!cancelled) setState({ tokens: body.tokens, error: null });
      })
      .catch((error: unknown) => !cancelled && setState({ tokens: null, error: (error as Error).message }));
    return () => {
      cancelled = true;
    };
  }, []);
  return state;
}

function Header() {
  const online = useOnlineUsers();
  const { user } = useCurrentUser();
  return (
    <header className="catalog-row" style={{ justifyContent: 'space-between' }}>
      <div className="catalog-row">
        {online.slice(0, 8).map((id) => (
          <UserAvatar key={id} userId={id} size="md" />
        ))}
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

function LiveCatalog() {
  const { tokens, error } = useGuestSession();
  if (error)
    return (
      <p role="alert">
        Start the presence server with `npm run dev` ({SERVER}): {error}
      </p>
    );
  if (!tokens) return <p>Signing in as a guest…</p>;
  return (
    <PresenceProvider url={SERVER} session={tokens}>
      <div style={{ display: 'grid', gap: 16 }}>
        <ConnectionStatus />
        <Header />
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
