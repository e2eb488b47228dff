import { forwardRef, useEffect, useId, useState, type FormEvent, type FormHTMLAttributes } from 'react';
import { LIMITS, type ChosenStatus } from '../core/index.ts';
import { useCurrentUser } from '../react/useCurrentUser.ts';
import { cx, STATUS_LABELS } from './labels.ts';

/** Props of {@link StatusPicker}: native form props pass through. */
export interface StatusPickerProps extends Omit<FormHTMLAttributes<HTMLFormElement>, 'onSubmit' | 'children'> {
  /** Called after the server acknowledged the new status. */
  onSaved?: (status: ChosenStatus, message: string | null) => void;
}

const CHOICES: ChosenStatus[] = ['online', 'away', 'busy', 'invisible'];
const HINTS: Record<ChosenStatus, string> = {
  online: 'Available',
  away: 'Stepped away',
  busy: 'Do not disturb',
  invisible: 'Appear offline to everyone',
};

/**
 * Lets the current user set their availability (including 'invisible'), a status message, or clear it.
 * `data-state` is 'idle', 'saving', 'saved' or 'error'; `data-status` the current status.
 *
 * @example
 * ```tsx
 * <StatusPicker onSaved={(status) => toast(`You are ${status}`)} />
 * ```
 */
export const StatusPicker = forwardRef<HTMLFormElement, StatusPickerProps>(function StatusPicker({ onSaved, className, ...rest }, ref) {
  const { user, setStatus } = useCurrentUser();
  const current = user?.presence?.status;
  const currentChoice: ChosenStatus = current && current !== 'offline' ? current : 'online';
  const [choice, setChoice] = useState<ChosenStatus>(currentChoice);
  const [message, setMessage] = useState(user?.presence?.statusMessage ?? '');
  const [state, setState] = useState<'idle' | 'saving' | 'saved' | 'error'>('idle');
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  // Follow changes made elsewhere (another tab, automatic away) until the user starts editing.
  const serverMessage = user?.presence?.statusMessage ?? '';
  useEffect(() => {
    if (state === 'idle' || state === 'saved') {
      setChoice(currentChoice);
      setMessage(serverMessage);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [currentChoice, serverMessage]);

  const save = async (next: { status: ChosenStatus; statusMessage: string | null }) => {
    setState('saving');
    setError(null);
    try {
      await setStatus(next);
      setState('saved');
      onSaved?.(next.status, next.statusMessage);
    } catch (cause) {
      setState('error');
      setError((cause as Error).message);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save({ status: choice, statusMessage: message.trim() || null });
  };

  return (
    <form
      ref={ref}
      aria-label="Set your status"
      className={cx('pk-status-picker', className)}
      data-state={state}
      data-status={current ?? 'unknown'}
      onSubmit={submit}
      {...rest}
    >
      <fieldset className="pk-status-choices" disabled={!user}>
        <legend>Availability</legend>
        {CHOICES.map((status) => (
          <label key={status} className="pk-status-choice" data-status={status}>
            <input type="radio" name={`${id}-status`} value={status} checked={choice === status} onChange={() => setChoice(status)} />
            <span className="pk-dot" aria-hidden="true" />
            <span className="pk-status-choice-label">{STATUS_LABELS[status]}</span>
            <span className="pk-status-choice-hint">{HINTS[status]}</span>
          </label>
        ))}
      </fieldset>
      <label className="pk-status-message" htmlFor={`${id}-message`}>
        Status message
      </label>
      <input
        id={`${id}-message`}
        className="pk-input"
        type="text"
        value={message}
        maxLength={LIMITS.statusMessage}
        placeholder="What are you up to?"
        onChange={(event) => {
          setMessage(event.target.value);
          if (state !== 'saving') setState('idle');
        }}
        disabled={!user}
      />
      <div className="pk-status-actions">
        <button type="submit" className="pk-button pk-button-primary" disabled={!user || state === 'saving'}>
          {state === 'saving' ? 'Saving…' : 'Save'}
        </button>
        <button
          type="button"
          className="pk-button"
          disabled={!user || state === 'saving'}
          onClick={() => {
            setMessage('');
            void save({ status: choice, statusMessage: null });
          }}
        >
          Clear message
        </button>
      </div>
      <p className="pk-status-feedback" role="status" aria-live="polite">
        {state === 'saved' ? 'Status saved' : state === 'error' ? `Could not save: ${error}` : ''}
      </p>
    </form>
  );
});
