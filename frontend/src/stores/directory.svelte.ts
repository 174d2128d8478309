/**
 * Employees, groups and subscription tags (only what the user may see), loaded once and shared by
 * the directory page, the recipient picker and the permissions editor.
 */
import { api } from '../api/client';
import type { DirectoryEvent, EmployeeCreate, EmployeeRead, EmployeeUpdate, GroupCreate, GroupRead, GroupUpdate, TagCount } from '../api/types';
import { errorMessage } from '../i18n/errors';
import { t } from '../i18n/index.svelte';
import { applyDirectoryEvent, countTags } from '../state/directory';

class DirectoryStore {
  employees = $state.raw<EmployeeRead[]>([]);
  groups = $state.raw<GroupRead[]>([]);
  tags = $state.raw<TagCount[]>([]);
  loading = $state(false);
  loaded = $state(false);
  error = $state<string | null>(null);
  private pending: Promise<void> | null = null;

  employeeById(id: number): EmployeeRead | undefined {
    return this.employees.find((e) => e.id === id);
  }

  groupById(id: number): GroupRead | undefined {
    return this.groups.find((g) => g.id === id);
  }

  /** Load once; later calls reuse the result unless `force`. */
  load(force = false): Promise<void> {
    if (this.loaded && !force) return Promise.resolve();
    if (this.pending) return this.pending;
    this.loading = true;
    this.pending = this.fetchAll().finally(() => {
      this.loading = false;
      this.pending = null;
    });
    return this.pending;
  }

  private async fetchAll(): Promise<void> {
    try {
      // tags are a convenience (chips, suggestions): without them the directory still works
      const [employees, groups, tags] = await Promise.all([
        api.listEmployees(),
        api.listGroups(),
        api.listTags().catch(() => ({ items: [] })),
      ]);
      this.employees = employees.items;
      this.groups = groups.items;
      this.tags = tags.items;
      this.loaded = true;
      this.error = null;
    } catch (error) {
      this.error = errorMessage(error, t);
    }
  }

  /**
   * A change, then both lists again: an employee's groups change the groups' member counts, and a
   * group's members change the employees' group chips.
   */
  private async thenReload<T>(change: Promise<T>): Promise<T> {
    const result = await change;
    await this.load(true);
    return result;
  }

  createEmployee(data: EmployeeCreate): Promise<EmployeeRead> {
    return this.thenReload(api.createEmployee(data));
  }

  updateEmployee(id: number, data: EmployeeUpdate): Promise<EmployeeRead> {
    return this.thenReload(api.updateEmployee(id, data));
  }

  createGroup(data: GroupCreate): Promise<GroupRead> {
    return this.thenReload(api.createGroup(data));
  }

  updateGroup(id: number, data: GroupUpdate): Promise<GroupRead> {
    return this.thenReload(api.updateGroup(id, data));
  }

  deleteGroup(id: number): Promise<void> {
    return this.thenReload(api.deleteGroup(id));
  }

  /** Apply a change made elsewhere (another tab, another admin); nothing to do before the first load. */
  applyEvent(event: DirectoryEvent): void {
    if (!this.loaded) return;
    const next = applyDirectoryEvent({ employees: this.employees, groups: this.groups }, event);
    this.employees = next.employees;
    this.groups = next.groups;
    this.tags = countTags(next.employees);
    void this.reloadTags(); // the server's counts add external contacts and their opt-outs
  }

  /** The tag list again (a contact subscribed, opted out or came back). */
  async reloadTags(): Promise<void> {
    if (!this.loaded) return;
    this.tags = (await api.listTags().catch(() => ({ items: this.tags }))).items;
  }

  clear(): void {
    this.employees = [];
    this.groups = [];
    this.tags = [];
    this.loaded = false;
  }
}

export const directory = new DirectoryStore();
