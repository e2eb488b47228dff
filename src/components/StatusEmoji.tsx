import { useEffect, useRef } from 'react';
import { usePopover } from './popover.ts';

/** The emoji a StatusPicker offers unless given its own (Slack's and GitHub's usual ones). */
export const DEFAULT_EMOJI = ['💬', '📅', '🎧', '🍔', '☕', '🚌', '🏡', '🌴', '🤒', '🎉', '🚀', '🔕'];

interface StatusEmojiProps {
  value: string | null;
  choices: readonly string[];
  disabled: boolean;
  onChange: (emoji: string | null) => void;
}

/**
 * A button showing the chosen emoji that opens a small grid of choices (and "no emoji"). Buttons with
 * `aria-pressed`, so a keyboard and a screen reader reach every choice with no custom key handling;
 * Escape closes it and gives focus back to the button.
 */
export function StatusEmoji({ value, choices, disabled, onChange }: StatusEmojiProps) {
  const { open, rootRef, triggerRef, id, toggle, close, onKeyDown, onBlur } = usePopover<HTMLDivElement>();
  const panel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (open) panel.current?.querySelector<HTMLButtonElement>('[aria-pressed="true"]')?.focus();
  }, [open]);

  const choose = (emoji: string | null) => {
    onChange(emoji);
    close();
  };

  return (
    <div ref={rootRef} className="pk-status-emoji" onKeyDown={onKeyDown} onBlur={onBlur}>
      <button
        ref={triggerRef}
        type="button"
        className="pk-button pk-status-emoji-toggle"
        aria-label={value ? `Emoji: ${value}. Change emoji` : 'Add an emoji'}
        title={value ? 'Change emoji' : 'Add an emoji'}
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        disabled={disabled}
        data-empty={value ? undefined : true}
        onClick={toggle}
      >
        {value ?? '🙂'}
      </button>
      {open ? (
        <div ref={panel} id={id} role="group" aria-label="Status emoji" className="pk-status-emoji-grid">
          <button type="button" className="pk-status-emoji-choice pk-status-emoji-none" aria-pressed={value === null} onClick={() => choose(null)}>
            None
          </button>
          {choices.map((emoji) => (
            <button key={emoji} type="button" className="pk-status-emoji-choice" aria-pressed={value === emoji} onClick={() => choose(emoji)}>
              {emoji}
            </button>
          ))}
        </div>
      ) : null}
    </div>
  );
}
