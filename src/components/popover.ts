import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';

/**
 * A non-modal popover's state: open and closed by its trigger, closed by Escape (focus goes back to the
 * trigger), by a pointer down outside it, and by focus leaving it. Shared by UserCardPopover, MyStatus and
 * StatusPicker's emoji choice.
 *
 * @example
 * ```tsx
 * const popover = usePopover();
 * <span ref={popover.rootRef} onKeyDown={popover.onKeyDown} onBlur={popover.onBlur}>
 *   <button ref={popover.triggerRef} aria-expanded={popover.open} onClick={popover.toggle} />
 *   {popover.open ? <div id={popover.id} role="dialog" /> : null}
 * </span>
 * ```
 */
export function usePopover<Root extends HTMLElement = HTMLElement>() {
  const [open, setOpen] = useState(false);
  const rootRef = useRef<Root>(null);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const id = useId();
  useEffect(() => {
    if (!open) return;
    const outside = (event: PointerEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [open]);
  return {
    open,
    setOpen,
    rootRef,
    triggerRef,
    id,
    toggle: () => setOpen((was) => !was),
    /** Closes and gives focus back to the trigger. */
    close: () => {
      setOpen(false);
      triggerRef.current?.focus();
    },
    onKeyDown: (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || !open) return;
      event.preventDefault();
      event.stopPropagation();
      setOpen(false);
      triggerRef.current?.focus();
    },
    onBlur: (event: { relatedTarget: EventTarget | null }) => {
      // Focus moved out of the trigger and the panel both (not between them): it is closed.
      if (event.relatedTarget instanceof Node && rootRef.current?.contains(event.relatedTarget)) return;
      if (event.relatedTarget !== null) setOpen(false);
    },
  };
}
