import { PresenceProvider, useCurrentUser } from 'presence-kit';
import { OnlineList, StatusPicker, UserAvatar } from 'presence-kit/components';
import 'presence-kit/styles.css';

const PRESENCE_URL = import.meta.env.VITE_PRESENCE_URL ?? 'http://127.0.0.1:8787';
const NAME = new URLSearchParams(location.search).get('name') ?? 'Ada';

export function App() {
  return (
    <PresenceProvider url={PRESENCE_URL} guest={{ displayName: NAME }}>
      <Me />
      <OnlineList style={{ height: 480 }} hideCurrentUser />
    </PresenceProvider>
  );
}

function Me() {
  const { user } = useCurrentUser();
  return user ? (
    <header>
      <UserAvatar userId={user.id} /> {user.displayName}
      <StatusPicker />
    </header>
  ) : null;
}
