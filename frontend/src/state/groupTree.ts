/** Groups as an indented tree (parents before children, siblings by name). */
import type { GroupRead } from '../api/types';

export interface GroupRow {
  group: GroupRead;
  depth: number;
}

export function groupTree(groups: GroupRead[], locale = 'ru'): GroupRow[] {
  const ids = new Set(groups.map((g) => g.id));
  const children = new Map<number | null, GroupRead[]>();
  for (const group of groups) {
    // a parent we cannot see (or a cycle's entry) puts the group on the top level
    const parent = group.parent_id !== null && ids.has(group.parent_id) ? group.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), group]);
  }
  const rows: GroupRow[] = [];
  const visited = new Set<number>();
  const walk = (parent: number | null, depth: number) => {
    const list = [...(children.get(parent) ?? [])].sort((a, b) => a.name.localeCompare(b.name, locale));
    for (const group of list) {
      if (visited.has(group.id)) continue;
      visited.add(group.id);
      rows.push({ group, depth });
      walk(group.id, depth + 1);
    }
  };
  walk(null, 0);
  // anything left is in a parent cycle: show it flat rather than lose it
  for (const group of groups) if (!visited.has(group.id)) rows.push({ group, depth: 0 });
  return rows;
}
