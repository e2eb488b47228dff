'use client';
// The client boundary. PresenceProvider takes a token getter, a function, which a server component
// cannot pass to a client one: so the provider sits in a client component of the app's own.
import { PresenceProvider } from 'presence-kit';
import type { ReactNode } from 'react';

const PRESENCE_URL = process.env.NEXT_PUBLIC_PRESENCE_URL ?? 'http://127.0.0.1:8787';

async function fetchPresenceToken(): Promise<string> {
  // app/api/presence-session/route.ts mints it for the signed-in user (see the README).
  const response = await fetch('/api/presence-session', { method: 'POST' });
  if (!response.ok) throw new Error(`presence session: HTTP ${response.status}`);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

export function Providers({ userId, children }: { userId: string; children: ReactNode }) {
  return (
    <PresenceProvider url={PRESENCE_URL} userId={userId} token={fetchPresenceToken}>
      {children}
    </PresenceProvider>
  );
}
