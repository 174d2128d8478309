/**
 * Directory events applied to the employees and groups a user holds (no DOM, unit-tested). Each
 * event carries the changed structs as REST shows them to this user; a group's member list decides
 * which employees list it, so a group event needs no employee payload.
 */
import type { DirectoryEvent, EmployeeRead, GroupRead, TagCount } from '../api/types';

export interface DirectoryState {
  employees: EmployeeRead[];
  groups: GroupRead[];
}

/** The list with the item replaced by id, or added. */
export function upsertById<T extends { id: number }>(items: T[], item: T): T[] {
  const index = items.findIndex((other) => other.id === item.id);
  return index < 0 ? [...items, item] : items.map((other, i) => (i === index ? item : other));
}

const byName = (a: { name: string; id: number }, b: { name: string; id: number }): number =>
  a.name.localeCompare(b.name, 'ru') || a.id - b.id;

/** Every employee listing group `groupId` exactly when the group's members include them. */
function withMembership(employees: EmployeeRead[], groupId: number, memberIds: number[]): EmployeeRead[] {
  return employees.map((employee) => {
    const listed = employee.group_ids.includes(groupId);
    const member = memberIds.includes(employee.id);
    if (listed === member) return employee;
    const others = employee.group_ids.filter((id) => id !== groupId);
    return { ...employee, group_ids: member ? [...others, groupId].sort((a, b) => a - b) : others };
  });
}

/** The directory after one event. */
export function applyDirectoryEvent(state: DirectoryState, event: DirectoryEvent): DirectoryState {
  let { employees, groups } = state;
  switch (event.type) {
    case 'employee.created':
    case 'employee.updated':
      employees = upsertById(employees, event.employee);
      break;
    case 'group.created':
    case 'group.updated':
      groups = upsertById(groups, event.group);
      employees = withMembership(employees, event.group.id, event.group.member_ids);
      break;
    case 'group.deleted':
      groups = groups.filter((group) => group.id !== event.group_id);
      employees = withMembership(employees, event.group_id, []);
      break;
    default:
      return event satisfies never;
  }
  for (const group of event.groups) groups = upsertById(groups, group);
  return { employees: [...employees].sort(byName), groups: [...groups].sort(byName) };
}

/** Subscriber counts per tag over the active employees held, as GET /tags counts them. */
export function countTags(employees: EmployeeRead[]): TagCount[] {
  const counts = new Map<string, number>();
  for (const employee of employees) {
    if (!employee.active) continue;
    for (const tag of employee.tags ?? []) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  }
  return [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([tag, subscribers]) => ({ tag, subscribers }));
}
