'use client';
import { useCurrentUser } from 'presence-kit';
import { StatusPicker, UserAvatar } from 'presence-kit/components';

export function Me() {
  const { user } = useCurrentUser();
  // On the server, and until the client knows who you are, there is no user yet: render a placeholder.
  if (!user) return <p className="me">Signing in…</p>;
  return (
    <div className="me">
      <UserAvatar userId={user.id} /> {user.displayName}
      <StatusPicker />
    </div>
  );
}
