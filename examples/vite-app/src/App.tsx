import { useState } from 'react';
import { PresenceProvider } from 'presence-kit';
import { MyStatus, OnlineList, UserCard } from 'presence-kit/components';
import 'presence-kit/styles.css';

const PRESENCE_URL = import.meta.env.VITE_PRESENCE_URL ?? 'http://127.0.0.1:8787';
const NAME = new URLSearchParams(location.search).get('name') ?? 'Ada';

export function App() {
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <PresenceProvider url={PRESENCE_URL} guest={{ displayName: NAME }}>
      <header>
        <MyStatus />
      </header>
      <OnlineList style={{ height: 480 }} hideCurrentUser onSelect={setSelected} />
      {selected ? <UserCard userId={selected} /> : null}
    </PresenceProvider>
  );
}
