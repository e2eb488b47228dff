import { useEffect, useId, useRef, useState } from 'react';

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
  const [open, setOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const id = useId();

  useEffect(() => {
    if (!open) return;
    panel.current?.querySelector<HTMLButtonElement>('[aria-pressed="true"]')?.focus();
    const outside = (event: PointerEvent) => {
      if (!panel.current?.contains(event.target as Node) && !toggle.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [open]);

  const choose = (emoji: string | null) => {
    onChange(emoji);
    setOpen(false);
    toggle.current?.focus();
  };

  return (
    <div
      className="pk-status-emoji"
      onKeyDown={(event) => {
        if (event.key !== 'Escape' || !open) return;
        event.preventDefault();
        setOpen(false);
        toggle.current?.focus();
      }}
    >
      <button
        ref={toggle}
        type="button"
        className="pk-button pk-status-emoji-toggle"
        aria-label={value ? `Emoji: ${value}. Change emoji` : 'Add an emoji'}
        title={value ? 'Change emoji' : 'Add an emoji'}
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        disabled={disabled}
        data-empty={value ? undefined : true}
        onClick={() => setOpen(!open)}
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
