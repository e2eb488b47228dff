import { forwardRef, useEffect, useId, useState, type FormEvent, type FormHTMLAttributes } from 'react';
import { LIMITS, type ChosenStatus } from '../core/index.ts';
import { useCurrentUser } from '../react/useCurrentUser.ts';
import { CLEAR_AFTER_LABELS, expiryOf, formatClearsAt, type ClearAfter } from './clear-after.ts';
import { cx, STATUS_LABELS } from './labels.ts';
import { DEFAULT_EMOJI, StatusEmoji } from './StatusEmoji.tsx';

/** Props of {@link StatusPicker}: native form props pass through. */
export interface StatusPickerProps extends Omit<FormHTMLAttributes<HTMLFormElement>, 'onSubmit' | 'children'> {
  /** Called after the server acknowledged the new status. */
  onSaved?: (status: ChosenStatus, message: string | null) => void;
  /** The emoji offered for the status message (default: a dozen common ones); `[]` hides the emoji choice. */
  emoji?: readonly string[];
  /** BCP 47 locale for "clears at" times (default: the browser's). */
  locale?: string;
}

const CHOICES: ChosenStatus[] = ['online', 'away', 'busy', 'invisible'];
const HINTS: Record<ChosenStatus, string> = {
  online: 'Available',
  away: 'Stepped away',
  busy: 'Do not disturb',
  invisible: 'Appear offline to everyone',
};

/**
 * Lets the current user set their availability (including 'invisible'), a status message with an emoji
 * and when it clears itself (30 minutes, 1 hour, 4 hours, today), or clear it.
 * `data-state` is 'idle', 'saving', 'saved' or 'error'; `data-status` the current status.
 *
 * @example
 * ```tsx
 * <StatusPicker onSaved={(status) => toast(`You are ${status}`)} emoji={['🎧', '📅', '🌴']} />
 * ```
 */
export const StatusPicker = forwardRef<HTMLFormElement, StatusPickerProps>(function StatusPicker(
  { onSaved, emoji: emojiChoices = DEFAULT_EMOJI, locale, className, ...rest },
  ref,
) {
  const { user, setStatus } = useCurrentUser();
  const presence = user?.presence;
  const current = presence?.status;
  const currentChoice: ChosenStatus = current && current !== 'offline' ? current : 'online';
  const serverMessage = presence?.statusMessage ?? '';
  const serverEmoji = presence?.statusEmoji ?? null;
  const serverExpiry = presence?.statusExpiresAt ?? null;
  const [choice, setChoice] = useState<ChosenStatus>(currentChoice);
  const [message, setMessage] = useState(serverMessage);
  const [emoji, setEmoji] = useState<string | null>(serverEmoji);
  const [clearAfter, setClearAfter] = useState<ClearAfter>(serverExpiry ? 'as-set' : 'never');
  const [state, setState] = useState<'idle' | 'saving' | 'saved' | 'error'>('idle');
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  // Follow changes made elsewhere (another tab, automatic away, an expiry) until the user starts editing.
  useEffect(() => {
    if (state === 'idle' || state === 'saved') {
      setChoice(currentChoice);
      setMessage(serverMessage);
      setEmoji(serverEmoji);
      setClearAfter(serverExpiry ? 'as-set' : 'never');
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [currentChoice, serverMessage, serverEmoji, serverExpiry]);

  const edited = () => {
    if (state !== 'saving') setState('idle');
  };

  const save = async (next: { status: ChosenStatus; statusMessage: string | null; statusEmoji: string | null; statusExpiresAt: string | null }) => {
    setState('saving');
    setError(null);
    try {
      await setStatus(next);
      setState('saved');
      // What was saved is now the server's: offer it as set, so saving again keeps the time it clears at.
      setClearAfter(next.statusExpiresAt ? 'as-set' : 'never');
      onSaved?.(next.status, next.statusMessage);
    } catch (cause) {
      setState('error');
      setError((cause as Error).message);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const statusMessage = message.trim() || null;
    const hasText = statusMessage !== null || emoji !== null;
    void save({ status: choice, statusMessage, statusEmoji: emoji, statusExpiresAt: hasText ? expiryOf(clearAfter, Date.now(), serverExpiry) : null });
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
      <div className="pk-status-message-row">
        {emojiChoices.length > 0 ? (
          <StatusEmoji
            value={emoji}
            choices={emojiChoices}
            disabled={!user}
            onChange={(next) => {
              setEmoji(next);
              edited();
            }}
          />
        ) : null}
        <input
          id={`${id}-message`}
          className="pk-input"
          type="text"
          value={message}
          maxLength={LIMITS.statusMessage}
          placeholder="What are you up to?"
          onChange={(event) => {
            setMessage(event.target.value);
            edited();
          }}
          disabled={!user}
        />
      </div>
      <label className="pk-status-clear-after">
        <span>Clear after</span>
        <select
          className="pk-input"
          value={clearAfter}
          disabled={!user}
          onChange={(event) => {
            setClearAfter(event.target.value as ClearAfter);
            edited();
          }}
        >
          {serverExpiry ? <option value="as-set">{`As set: ${formatClearsAt(serverExpiry, Date.now(), locale)}`}</option> : null}
          {Object.entries(CLEAR_AFTER_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <div className="pk-status-actions">
        <button type="submit" className="pk-button pk-button-primary" disabled={!user || state === 'saving'}>
          {state === 'saving' ? 'Saving…' : 'Save'}
        </button>
        <button
          type="button"
          className="pk-button"
          // Nothing to clear: a message, an emoji or an expiry shown or typed.
          disabled={!user || state === 'saving' || (message === '' && emoji === null && !serverExpiry)}
          onClick={() => {
            setMessage('');
            setEmoji(null);
            void save({ status: choice, statusMessage: null, statusEmoji: null, statusExpiresAt: null });
          }}
        >
          Clear message
        </button>
        <p className="pk-status-feedback" role="status" aria-live="polite">
          {state === 'saved' ? 'Status saved' : state === 'error' ? `Could not save: ${error}` : ''}
        </p>
      </div>
    </form>
  );
});
