import { forwardRef, useSyncExternalStore, type HTMLAttributes } from 'react';
import type { ErrorCode, PresenceConnectionStatus } from '../core/index.ts';
import { useConnectionState } from '../react/useConnectionState.ts';
import { useSession } from '../react/useSession.ts';
import { cx } from './labels.ts';

/** What ConnectionStatus can say: the connection's status, told apart where the user can act on it. */
export type ConnectionMessage = PresenceConnectionStatus | 'offline' | 'signed-out' | 'sign-in-failed';

/** Props of {@link ConnectionStatus}: native div props pass through. */
export interface ConnectionStatusProps extends Omit<HTMLAttributes<HTMLDivElement>, 'children'> {
  /** Also show a message while connected (default: nothing is shown then). */
  showWhenConnected?: boolean;
  /** Your words (or translations) for each message. */
  labels?: Partial<Record<ConnectionMessage, string>>;
  /** Also show the error's developer-facing text (what failed, which URL); default false. */
  showDetails?: boolean;
}

const LABELS: Record<ConnectionMessage, string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline — changes will sync',
  disconnected: 'Disconnected',
  'signed-out': 'Signed out',
  'sign-in-failed': 'Could not sign in',
};

const SIGN_IN_FAILED: readonly ErrorCode[] = ['unauthorized', 'token-expired', 'disabled', 'forbidden'];

const onlineEvents = (notify: () => void) => {
  window.addEventListener('online', notify);
  window.addEventListener('offline', notify);
  return () => {
    window.removeEventListener('online', notify);
    window.removeEventListener('offline', notify);
  };
};
/** Whether the browser says it has a network (always true on a server). */
function useBrowserOnline(): boolean {
  return useSyncExternalStore(
    onlineEvents,
    () => navigator.onLine,
    () => true,
  );
}

/**
 * A live region that tells the user, in plain words, when presence is reconnecting ("Reconnecting…" with
 * a spinner; "Offline — changes will sync" while the browser has no network) or stopped ("Signed out",
 * "Could not sign in"), and stays quiet while all is well. `data-state` is the connection status;
 * `data-error` the error's code, for styling and tests. Status changes made meanwhile are kept and sent
 * once connected again, which is what "changes will sync" promises.
 *
 * @example
 * ```tsx
 * <ConnectionStatus className="banner" labels={{ offline: 'Hors ligne — vos changements suivront' }} />
 * ```
 */
export const ConnectionStatus = forwardRef<HTMLDivElement, ConnectionStatusProps>(function ConnectionStatus(
  { showWhenConnected = false, labels, showDetails = false, className, ...rest },
  ref,
) {
  const { status, error } = useConnectionState();
  const { state: session } = useSession();
  const browserOnline = useBrowserOnline();
  const message: ConnectionMessage =
    status === 'reconnecting' && !browserOnline
      ? 'offline'
      : session !== 'logged-in'
        ? 'signed-out'
        : status === 'disconnected' && error && SIGN_IN_FAILED.includes(error.code)
          ? 'sign-in-failed'
          : status;
  const quiet = status === 'connected' && !showWhenConnected;
  const busy = status === 'connecting' || (status === 'reconnecting' && browserOnline);
  return (
    <div
      ref={ref}
      role="status"
      aria-live="polite"
      aria-busy={busy || undefined}
      className={cx('pk-connection', className)}
      data-state={status}
      data-error={status === 'connected' ? undefined : error?.code}
      {...rest}
    >
      {quiet ? null : (
        <>
          <span className={busy ? 'pk-spinner' : 'pk-dot'} aria-hidden="true" />
          <span className="pk-connection-label">{labels?.[message] ?? LABELS[message]}</span>
          {showDetails && error && status !== 'connected' ? <span className="pk-connection-detail">{error.message}</span> : null}
        </>
      )}
    </div>
  );
});
