/** A list a page fetches from the API (users, tokens, companies): loading, error and local updates. */
import type { Items } from '../api/types';
import { errorText } from './errorText';

export class RemoteList<T extends { id: number }> {
  items = $state.raw<T[]>([]);
  loading = $state(false);
  loaded = $state(false);
  error = $state<string | null>(null);

  constructor(private readonly fetchItems: () => Promise<Items<T>>) {}

  async load(): Promise<void> {
    this.loading = true;
    try {
      this.items = (await this.fetchItems()).items;
      this.loaded = true;
      this.error = null;
    } catch (error) {
      this.error = errorText(error);
    } finally {
      this.loading = false;
    }
  }

  /** Replace the item with the same id (after an edit), or append it (after a create). */
  put(item: T): void {
    const index = this.items.findIndex((other) => other.id === item.id);
    this.items = index < 0 ? [...this.items, item] : this.items.map((other, i) => (i === index ? item : other));
  }

  byId(id: number): T | undefined {
    return this.items.find((item) => item.id === id);
  }
}
