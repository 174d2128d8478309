import { describe, expect, it } from 'vitest';
import { employee, group } from '../testing/fixtures';
import { applyDirectoryEvent, countTags, type DirectoryState } from './directory';

const start = (): DirectoryState => ({
  employees: [employee({ id: 1, name: 'Иванов', group_ids: [1] }), employee({ id: 2, name: 'Петров' })],
  groups: [group({ id: 1, name: 'Монтажники', member_ids: [1], member_count: 1 })],
});

describe('applyDirectoryEvent', () => {
  it('adds a new employee in name order, with the groups it changed', () => {
    const hired = employee({ id: 3, name: 'Алексеев', group_ids: [1] });
    const counted = group({ id: 1, name: 'Монтажники', member_ids: [1, 3], member_count: 2 });
    const next = applyDirectoryEvent(start(), { type: 'employee.created', id: 9, employee: hired, groups: [counted] });
    expect(next.employees.map((e) => e.id)).toEqual([3, 1, 2]);
    expect(next.groups[0].member_count).toBe(2);
  });

  it('replaces an updated employee (a deactivation too)', () => {
    const gone = employee({ id: 2, name: 'Петров', active: false });
    const next = applyDirectoryEvent(start(), { type: 'employee.updated', id: 9, employee: gone, groups: [] });
    expect(next.employees.find((e) => e.id === 2)?.active).toBe(false);
    expect(next.employees).toHaveLength(2);
  });

  it('lists a group on exactly its members', () => {
    const moved = group({ id: 1, name: 'Монтажники', member_ids: [2], member_count: 1 });
    const next = applyDirectoryEvent(start(), { type: 'group.updated', id: 9, group: moved, groups: [] });
    expect(next.employees.map((e) => [e.id, e.group_ids])).toEqual([
      [1, []],
      [2, [1]],
    ]);
  });

  it('adds a created group with its ancestors and sorts groups by name', () => {
    const child = group({ id: 5, name: 'Звено', parent_id: 1, member_ids: [1], member_count: 1 });
    const parent = group({ id: 1, name: 'Монтажники', member_ids: [1], member_count: 1 });
    const next = applyDirectoryEvent(start(), { type: 'group.created', id: 9, group: child, groups: [parent] });
    expect(next.groups.map((g) => g.id)).toEqual([5, 1]);
    expect(next.employees[0].group_ids).toEqual([1, 5]);
  });

  it('removes a deleted group from the list and from every employee, moving its subgroups up', () => {
    const state = applyDirectoryEvent(start(), {
      type: 'group.created',
      id: 9,
      group: group({ id: 5, name: 'Звено', parent_id: 1 }),
      groups: [],
    });
    const moved = group({ id: 5, name: 'Звено', parent_id: null });
    const next = applyDirectoryEvent(state, { type: 'group.deleted', id: 10, group_id: 1, groups: [moved] });
    expect(next.groups).toEqual([moved]);
    expect(next.employees.every((e) => !e.group_ids.includes(1))).toBe(true);
  });
});

describe('countTags', () => {
  it('counts active subscribers per tag, sorted', () => {
    const employees = [
      employee({ id: 1, tags: ['ночь', 'авария'] }),
      employee({ id: 2, tags: ['авария'] }),
      employee({ id: 3, tags: ['авария'], active: false }),
    ];
    expect(countTags(employees)).toEqual([
      { tag: 'авария', subscribers: 2 },
      { tag: 'ночь', subscribers: 1 },
    ]);
  });
});
