import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import '../../../src/components/styles.css';
import { ConnectionStatus, OnlineBadge, OnlineList, RoomAvatars, StatusPicker, TypingIndicator } from '../../../src/components/index.ts';
import type { SessionTokens } from '../../../src/core/index.ts';
import { PresenceDevtools } from '../../../src/devtools/index.ts';
import { kernelOf } from '../../../src/core/kernel.ts';
import { PresenceProvider, RoomProvider, usePresenceClient, useTyping } from '../../../src/react/index.ts';

/** Lets a test ask the page which tab holds the shared socket (what devtools show). */
function ExposeLink() {
  const client = usePresenceClient();
  Object.assign(window, { __link__: () => kernelOf(client).inspect().link });
  return null;
}

/** The test hands over the server and tokens before the page loads: never in the URL. */
const config = (
  window as unknown as {
    __E2E__: { url: string; session?: SessionTokens; guest?: { displayName: string }; watch: string; share?: boolean; room?: string; autoAwayMs?: number };
  }
).__E2E__;

function Composer() {
  const [text, setText] = useState('');
  const { onInput, stop } = useTyping();
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        setText('');
        stop();
      }}
    >
      <input
        aria-label="Message"
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          onInput();
        }}
      />
    </form>
  );
}

createRoot(document.getElementById('root')!).render(
  <PresenceProvider
    url={config.url}
    {...(config.guest ? { guest: config.guest } : { session: config.session })}
    offlineGraceMs={300}
    autoAway={config.autoAwayMs ? { afterMs: config.autoAwayMs } : false}
    shareConnection={config.share ?? true}
  >
    <main>
      <h1>Signed in as {config.session?.userId ?? config.guest?.displayName}</h1>
      <ConnectionStatus showWhenConnected data-testid="connection" />
      <StatusPicker />
      <p>
        {config.watch}: <OnlineBadge userId={config.watch} showLabel data-testid="watched" />
      </p>
      <OnlineList data-testid="people" style={{ height: 400 }} />
      <RoomProvider id={config.room ?? 'doc:e2e'}>
        <section aria-label="Room">
          <RoomAvatars data-testid="room" />
          <TypingIndicator data-testid="typing" />
          <Composer />
        </section>
      </RoomProvider>
    </main>
    <PresenceDevtools />
    <ExposeLink />
  </PresenceProvider>,
);
