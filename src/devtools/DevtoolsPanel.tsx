import { useEffect, useId, useState, useSyncExternalStore } from 'react';
import type { LoggedFrame, Recorder } from './recorder.ts';
import { DEVTOOLS_CSS } from './styles.ts';

/** Props of the panel (see `PresenceDevtools`). */
export interface DevtoolsPanelProps {
  /** Open at first (default false: a button in the corner). */
  initialIsOpen?: boolean;
  /** Corner of the toggle button (default 'bottom-right'). */
  position?: 'bottom-left' | 'bottom-right';
  /** What the devtools recorded since they mounted. */
  recorder: Recorder;
}

const time = (at: number) => new Date(at).toISOString().slice(11, 23);

function summary(entry: LoggedFrame): string {
  const { frame } = entry;
  switch (frame.type) {
    case 'presence':
      return frame.presence === null ? `${frame.userId}: hidden` : `${frame.userId}: ${frame.presence.status}${frame.presence.online ? '' : ' (offline)'}`;
    case 'snapshot':
      return `${frame.users.length} users${frame.full ? ', full' : ', since cursor'}`;
    case 'subscribe':
    case 'unsubscribe':
      return [
        frame.users?.length ? `${frame.users.length} users` : '',
        frame.online ? 'online list' : '',
        'from' in frame && frame.from !== undefined ? `from ${frame.from}` : '',
      ]
        .filter(Boolean)
        .join(', ');
    case 'set-presence':
      return JSON.stringify(frame.patch);
    case 'error':
      return `${frame.code}: ${frame.message}`;
    default:
      return entry.userId ?? '';
  }
}

/**
 * The devtools panel: connection status and its history, the server cursor and catch-ups, retained
 * users with their holders, status changes waiting for the server, and the live log of frames.
 * Loaded on demand by `PresenceDevtools`.
 */
export default function DevtoolsPanel({ initialIsOpen = false, position = 'bottom-right', recorder }: DevtoolsPanelProps) {
  // Closed, only the status is read: frames arriving do not re-render the button.
  const current = useSyncExternalStore(recorder.subscribe, recorder.lastStatus, recorder.lastStatus);
  const [open, setOpen] = useState(initialIsOpen);
  const id = useId();
  return (
    <div className="pkdt" data-position={position}>
      <style>{DEVTOOLS_CSS}</style>
      <button type="button" className="pkdt-toggle" aria-expanded={open} aria-controls={id} data-status={current.status} onClick={() => setOpen(!open)}>
        <span className="pkdt-dot" aria-hidden="true" />
        Presence devtools
      </button>
      {open ? <PanelBody id={id} recorder={recorder} onClose={() => setOpen(false)} /> : null}
    </div>
  );
}

/** The open panel: everything the recorder holds, re-read on every frame. */
function PanelBody({ id, recorder, onClose }: { id: string; recorder: Recorder; onClose: () => void }) {
  const state = useSyncExternalStore(recorder.subscribe, recorder.snapshot, recorder.snapshot);
  const [direction, setDirection] = useState<'all' | 'in' | 'out'>('all');
  const [filter, setFilter] = useState('');
  const current = state.history.at(-1)!;

  // Retains and releases that send no frame change the counts too: look again while open.
  useEffect(() => {
    const timer = setInterval(recorder.refresh, 1_000);
    return () => clearInterval(timer);
  }, [recorder]);

  const needle = filter.trim().toLowerCase();
  const frames = state.frames.filter(
    (entry) =>
      (direction === 'all' || entry.direction === direction) &&
      (needle === '' || entry.type.includes(needle) || (entry.userId ?? '').toLowerCase().includes(needle)),
  );
  const { inspection, catchUps } = state;

  return (
    <section id={id} className="pkdt-panel" aria-label="Presence devtools">
      <header className="pkdt-header">
        <strong>presence-kit</strong>
        <span>
          {current.status}
          {current.error ? ` — ${current.error}` : ''}
        </span>
        <button type="button" className="pkdt-button" onClick={onClose}>
          Close
        </button>
      </header>
      <div className="pkdt-columns">
        {/* Scrolling regions take focus, so a keyboard can scroll them too. */}
        <div className="pkdt-column" role="group" aria-label="Client state" tabIndex={0}>
          <h2>Connection</h2>
          <dl className="pkdt-facts">
            <dt>Server cursor</dt>
            <dd data-testid="pkdt-cursor">{inspection.cursor ?? 'none yet'}</dd>
            <dt>Socket</dt>
            <dd data-testid="pkdt-link" data-role={inspection.link?.role ?? 'own'}>
              {!inspection.link
                ? 'its own'
                : inspection.link.role === 'leader'
                  ? `this tab holds it for ${inspection.link.lanes} ${inspection.link.lanes === 1 ? 'lane' : 'lanes'} (tabs); ${inspection.link.forwarded} frames forwarded`
                  : `shared: tab ${inspection.link.leader ?? '(changing)'} holds it; this tab is ${inspection.link.tab}`}
            </dd>
            <dt>Catch-ups</dt>
            <dd data-testid="pkdt-catch-ups">
              {catchUps.asked} asked{catchUps.lastFrom === null ? '' : `, last from ${catchUps.lastFrom}`}; answered {catchUps.partial} since cursor,{' '}
              {catchUps.full} in full
            </dd>
          </dl>
          <h3>History</h3>
          <ol className="pkdt-list" aria-label="Connection history" tabIndex={0}>
            {[...state.history].reverse().map((change, index) => (
              <li key={state.history.length - index}>
                <time>{time(change.at)}</time> {change.status}
                {change.error ? ` — ${change.error}` : ''}
              </li>
            ))}
          </ol>
          <h2>Retained</h2>
          <table className="pkdt-table" aria-label="Retained users">
            <thead>
              <tr>
                <th scope="col">user</th>
                <th scope="col">holders</th>
              </tr>
            </thead>
            <tbody>
              {inspection.onlineList > 0 ? (
                <tr>
                  <td>online list</td>
                  <td>{inspection.onlineList}</td>
                </tr>
              ) : null}
              {[...inspection.users].map(([userId, holders]) => (
                <tr key={userId}>
                  <td>{userId}</td>
                  <td>{holders}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Pending status changes</h2>
          {inspection.pending.length === 0 ? (
            <p className="pkdt-muted">None: the server acknowledged every change.</p>
          ) : (
            <ol className="pkdt-list" aria-label="Pending status changes" tabIndex={0}>
              {inspection.pending.map((item, index) => (
                <li key={index}>
                  {item.sent ? 'sent' : 'waiting for a connection'}: <code>{JSON.stringify(item.patch)}</code>
                </li>
              ))}
            </ol>
          )}
        </div>
        <div className="pkdt-column pkdt-log" role="group" aria-label="Event log" tabIndex={0}>
          <h2>Events</h2>
          <div className="pkdt-filters">
            <label>
              Direction{' '}
              <select value={direction} onChange={(event) => setDirection(event.target.value as 'all' | 'in' | 'out')}>
                <option value="all">both</option>
                <option value="in">received</option>
                <option value="out">sent</option>
              </select>
            </label>
            <label>
              Filter <input type="search" value={filter} placeholder="type or user id" onChange={(event) => setFilter(event.target.value)} />
            </label>
            <button type="button" className="pkdt-button" onClick={() => recorder.setPaused(!recorder.isPaused())}>
              {recorder.isPaused() ? 'Resume' : 'Pause'}
            </button>
            <button type="button" className="pkdt-button" onClick={recorder.clear}>
              Clear
            </button>
          </div>
          <table className="pkdt-table" aria-label="Events">
            <thead>
              <tr>
                <th scope="col">time</th>
                <th scope="col">dir</th>
                <th scope="col">type</th>
                <th scope="col">seq</th>
                <th scope="col">details</th>
              </tr>
            </thead>
            <tbody>
              {frames
                .slice(-200)
                .reverse()
                .map((entry) => (
                  <tr key={entry.id} data-direction={entry.direction}>
                    <td>
                      <time>{time(entry.at)}</time>
                    </td>
                    <td>{entry.direction === 'in' ? '↓' : '↑'}</td>
                    <td>{entry.type}</td>
                    <td>{entry.seq ?? ''}</td>
                    <td title={JSON.stringify(entry.frame)}>{summary(entry)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}
