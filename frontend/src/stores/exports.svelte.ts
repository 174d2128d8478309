/** The user's export jobs, kept current by export.updated events (live.svelte.ts hands them over). */
import { api } from '../api/client';
import type { ExportRead } from '../api/types';
import { mergeExport } from '../state/exports';

class ExportsStore {
  byId = $state.raw<Record<number, ExportRead>>({});

  apply(job: ExportRead): void {
    this.byId = mergeExport(this.byId, job);
  }

  /** Start an export; its progress then arrives over the WebSocket. */
  async start(filters: ExportRead['filters']): Promise<ExportRead> {
    const job = await api.startExport(filters);
    this.apply(job);
    return job;
  }

  /** The recent jobs, newest first (fetched, then merged with what events already said). */
  async loadRecent(): Promise<ExportRead[]> {
    for (const job of await api.listExports()) this.apply(job);
    return this.recent();
  }

  recent(): ExportRead[] {
    return Object.values(this.byId).sort((a, b) => b.id - a.id);
  }

  clear(): void {
    this.byId = {};
  }
}

export const exportJobs = new ExportsStore();
