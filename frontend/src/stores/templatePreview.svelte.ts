/** A template rendered by the server as the user types (debounced; a late answer never overwrites a newer one). */
import type { TemplateRendered } from '../api/types';
import { errorText } from './errorText';

const DELAY_MS = 200;

export class TemplatePreview {
  result = $state.raw<TemplateRendered | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);
  private asked = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  /** Render soon with `fetch`; only the answer to the latest request is kept. */
  request(fetch: () => Promise<TemplateRendered>): void {
    this.cancel();
    const mine = ++this.asked;
    this.busy = true;
    this.timer = setTimeout(async () => {
      try {
        const result = await fetch();
        if (mine === this.asked) [this.result, this.error] = [result, null];
      } catch (error) {
        if (mine === this.asked) [this.result, this.error] = [null, errorText(error)];
      } finally {
        if (mine === this.asked) this.busy = false;
      }
    }, DELAY_MS);
  }

  /** Drop what is pending (the form closed, the template was unpicked). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  clear(): void {
    this.cancel();
    this.asked += 1;
    [this.result, this.error, this.busy] = [null, null, false];
  }
}
