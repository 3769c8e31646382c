// Which key presses belong to a text field rather than to the app's shortcuts.

/** True when the event target takes text, so single-key shortcuts (`/`, `[`, `]`) must not fire. */
export function isTextEntry(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLInputElement ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement ||
    (target instanceof HTMLElement && target.isContentEditable)
  );
}
