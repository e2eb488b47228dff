import type { EnvironmentEvents } from './connection.ts';
import { PresenceError } from './errors.ts';
import { trackIdle } from './idle.ts';
import type { PresenceStatus } from './protocol/index.ts';

interface AutoAwayDeps {
  environment: EnvironmentEvents | null;
  afterMs: number | false;
  /** The current user's held status. */
  currentStatus: () => PresenceStatus | undefined;
  send: (status: 'away' | 'online') => Promise<void>;
  /** The BroadcastChannel on which this browser's tabs tell each other of input and of automatic away. */
  channel?: string;
  report: (error: PresenceError) => void;
}

/** Sets 'away' after inactivity and 'online' at the next input, never overriding a status the user chose. */
export interface AutoAway {
  start(): void;
  stop(): void;
  /** The user chose a status: it is theirs until they change it. */
  userChose(): void;
}

/**
 * Creates the automatic away status (see `autoAway`): only an 'online' status is changed.
 *
 * @example
 * ```ts
 * const away = createAutoAway({ environment: window, afterMs: 300_000, currentStatus, send, report });
 * away.start();
 * ```
 */
export function createAutoAway(deps: AutoAwayDeps): AutoAway {
  let stop: (() => void) | null = null;
  /**
   * True while the status is 'away' because a tab set it, not the user. Shared by the tabs (1: a tab set
   * away; 2: the user chose, or a tab set online), so input in any tab brings the user back, even when the
   * tab that set away has closed.
   */
  let awayBecauseIdle = false;
  let tabs: BroadcastChannel | null = null;
  const tell = (message: 1 | 2) => tabs?.postMessage(message);

  /** An automatic status dropped because the client was stopped is no error worth raising. */
  function send(status: 'away' | 'online'): void {
    deps.send(status).catch((error: unknown) => {
      if (!(error instanceof PresenceError)) deps.report(new PresenceError('server-error', 'automatic status failed', { cause: error }));
      else if (error.code !== 'closed') deps.report(error);
    });
  }

  return {
    start() {
      const { environment, afterMs } = deps;
      if (stop || !environment || afterMs === false) return;
      tabs = deps.channel && typeof BroadcastChannel === 'function' ? new BroadcastChannel(deps.channel) : null;
      if (tabs) tabs.onmessage = (event: MessageEvent) => event.data > 0 && (awayBecauseIdle = event.data === 1);
      stop = trackIdle(
        environment,
        afterMs,
        () => {
          if (deps.currentStatus() !== 'online') return;
          awayBecauseIdle = true;
          tell(1);
          send('away');
        },
        () => {
          if (!awayBecauseIdle) return;
          awayBecauseIdle = false;
          tell(2);
          send('online');
        },
        tabs,
      );
    },
    stop() {
      stop?.();
      stop = null;
      tabs?.close();
      tabs = null;
    },
    userChose() {
      awayBecauseIdle = false;
      tell(2);
    },
  };
}
