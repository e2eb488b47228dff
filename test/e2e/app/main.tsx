import { createRoot } from 'react-dom/client';
import '../../../src/components/styles.css';
import { ConnectionStatus, OnlineBadge, StatusPicker } from '../../../src/components/index.ts';
import type { SessionTokens } from '../../../src/core/index.ts';
import { PresenceDevtools } from '../../../src/devtools/index.ts';
import { PresenceProvider } from '../../../src/react/index.ts';

/** The test hands over the server and tokens before the page loads: never in the URL. */
const config = (window as unknown as { __E2E__: { url: string; session: SessionTokens; watch: string } }).__E2E__;

createRoot(document.getElementById('root')!).render(
  <PresenceProvider url={config.url} session={config.session} offlineGraceMs={300} autoAway={false}>
    <main>
      <h1>Signed in as {config.session.userId}</h1>
      <ConnectionStatus showWhenConnected data-testid="connection" />
      <StatusPicker />
      <p>
        {config.watch}: <OnlineBadge userId={config.watch} showLabel data-testid="watched" />
      </p>
    </main>
    <PresenceDevtools />
  </PresenceProvider>,
);
