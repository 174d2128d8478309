/** The account's message templates, loaded once and kept current by template.* events (docs/templates.md). */
import { api } from '../api/client';
import type { TemplateEvent, TemplateRead } from '../api/types';
import { applyTemplateEvent, sortTemplates } from '../state/templates';
import { RemoteList } from './remoteList.svelte';

class TemplateStore extends RemoteList<TemplateRead> {
  constructor() {
    super(async () => ({ items: sortTemplates((await api.listTemplates()).items) }));
  }

  /** Load unless loaded already (the composer and the templates page share the list). */
  ensure(): void {
    if (!this.loaded && !this.loading) void this.load();
  }

  /** Add or replace a template (after a save), keeping the order by name. */
  override put(item: TemplateRead): void {
    super.put(item);
    this.items = sortTemplates(this.items);
  }

  remove(id: number): void {
    this.items = this.items.filter((item) => item.id !== id);
  }

  applyEvent(event: TemplateEvent): void {
    if (this.loaded) this.items = applyTemplateEvent(this.items, event);
  }

  /** Forget the list (a logout): the next use loads it again. */
  reset(): void {
    this.items = [];
    this.loaded = false;
    this.error = null;
  }
}

export const templates = new TemplateStore();
