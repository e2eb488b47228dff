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
  /** The BroadcastChannel on which this browser's tabs tell each other of input. */
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
  /** True while the status is 'away' because we set it, not the user. */
  let awayBecauseIdle = false;

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
      stop = trackIdle(
        environment,
        afterMs,
        () => {
          if (deps.currentStatus() !== 'online') return;
          awayBecauseIdle = true;
          send('away');
        },
        () => {
          if (!awayBecauseIdle) return;
          awayBecauseIdle = false;
          send('online');
        },
        deps.channel,
      );
    },
    stop() {
      stop?.();
      stop = null;
    },
    userChose() {
      awayBecauseIdle = false;
    },
  };
}
