/** One object a page fetches from the API and changes (mail and webhook settings): its value and load error. */
import { errorText } from './errorText';

export class RemoteValue<T> {
  value = $state.raw<T | null>(null);
  error = $state<string | null>(null);

  /** `onValue` sees every value the server sends (to fill a form from it). */
  constructor(
    private readonly fetchValue: () => Promise<T>,
    private readonly onValue: (value: T) => void = () => undefined,
  ) {}

  async load(): Promise<void> {
    this.error = null;
    try {
      this.set(await this.fetchValue());
    } catch (error) {
      this.error = errorText(error);
    }
  }

  set(value: T): void {
    this.value = value;
    this.onValue(value);
  }

  /** Send a change; its answer becomes the value. Resolves to null, or the failure as a sentence. */
  async change(request: () => Promise<T>): Promise<string | null> {
    try {
      this.set(await request());
      return null;
    } catch (error) {
      return errorText(error);
    }
  }
}
