import { forwardRef, type HTMLAttributes } from 'react';
import type { PresenceConnectionStatus as Status } from '../core/index.ts';
import { useConnectionState } from '../react/useConnectionState.ts';
import { cx } from './labels.ts';

/** Props of {@link ConnectionStatus}: native div props pass through. */
export interface ConnectionStatusProps extends Omit<HTMLAttributes<HTMLDivElement>, 'children'> {
  /** Also show a message while connected (default: nothing is shown then). */
  showWhenConnected?: boolean;
  labels?: Partial<Record<Status, string>>;
}

const LABELS: Record<Status, string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  disconnected: 'Offline',
};

/**
 * A live region that tells the user when presence is reconnecting or offline, and stays quiet while
 * all is well. `data-state` is the connection status.
 *
 * @example
 * ```tsx
 * <ConnectionStatus className="banner" />
 * ```
 */
export const ConnectionStatus = forwardRef<HTMLDivElement, ConnectionStatusProps>(function ConnectionStatus(
  { showWhenConnected = false, labels, className, ...rest },
  ref,
) {
  const { status, error } = useConnectionState();
  const quiet = status === 'connected' && !showWhenConnected;
  const label = labels?.[status] ?? LABELS[status];
  return (
    <div ref={ref} role="status" aria-live="polite" className={cx('pk-connection', className)} data-state={status} {...rest}>
      {quiet ? null : (
        <>
          <span className="pk-dot" aria-hidden="true" />
          <span className="pk-connection-label">{label}</span>
          {error && status !== 'connected' ? <span className="pk-connection-detail">{error.message}</span> : null}
        </>
      )}
    </div>
  );
});
