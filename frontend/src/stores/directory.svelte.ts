/** Employees and groups, loaded once and shared by the directory page and the recipient picker. */
import { api } from '../api/client';
import type { EmployeeCreate, EmployeeRead, EmployeeUpdate, GroupCreate, GroupRead, GroupUpdate } from '../api/types';

class DirectoryStore {
  employees = $state.raw<EmployeeRead[]>([]);
  groups = $state.raw<GroupRead[]>([]);
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
      const [employees, groups] = await Promise.all([api.listEmployees(), api.listGroups()]);
      this.employees = employees.items;
      this.groups = groups.items;
      this.loaded = true;
      this.error = null;
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  async createEmployee(data: EmployeeCreate): Promise<EmployeeRead> {
    const created = await api.createEmployee(data);
    await this.load(true);
    return created;
  }

  async updateEmployee(id: number, data: EmployeeUpdate): Promise<EmployeeRead> {
    const updated = await api.updateEmployee(id, data);
    // group membership and counts change with an employee's groups: refetch both
    await this.load(true);
    return updated;
  }

  async createGroup(data: GroupCreate): Promise<GroupRead> {
    const created = await api.createGroup(data);
    await this.load(true);
    return created;
  }

  async updateGroup(id: number, data: GroupUpdate): Promise<GroupRead> {
    const updated = await api.updateGroup(id, data);
    await this.load(true);
    return updated;
  }

  async deleteGroup(id: number): Promise<void> {
    await api.deleteGroup(id);
    await this.load(true);
  }

  clear(): void {
    this.employees = [];
    this.groups = [];
    this.loaded = false;
  }
}

export const directory = new DirectoryStore();
