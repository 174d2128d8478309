/** A text handed to the composer of a thread about to open («Ответить лично» quotes the reply). */
let pending = $state<{ threadId: number; text: string } | null>(null);

export const drafts = {
  set(threadId: number, text: string): void {
    pending = { threadId, text };
  },
  /** The draft for this thread, once: it is handed over and forgotten. */
  take(threadId: number): string {
    if (pending?.threadId !== threadId) return '';
    const text = pending.text;
    pending = null;
    return text;
  },
};
