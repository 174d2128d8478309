import { describe, expect, it } from 'vitest';
import type { GroupRead } from '../api/types';
import { groupTree } from './groupTree';

const g = (id: number, name: string, parent_id: number | null = null): GroupRead => ({
  id,
  name,
  color: '#000000',
  parent_id,
  member_ids: [],
  member_count: 0,
});

describe('groupTree', () => {
  it('puts children under parents, siblings by name', () => {
    const rows = groupTree([g(1, 'Монтаж'), g(2, 'Юг', 1), g(3, 'Север', 1), g(4, 'Офис'), g(5, 'Север-1', 3)]);
    expect(rows.map((r) => `${'-'.repeat(r.depth)}${r.group.name}`)).toEqual([
      'Монтаж',
      '-Север',
      '--Север-1',
      '-Юг',
      'Офис',
    ]);
  });
  it('keeps groups whose parent is missing or cyclic', () => {
    const rows = groupTree([g(1, 'A', 99), g(2, 'B', 3), g(3, 'C', 2)]);
    expect(rows.map((r) => r.group.id).sort()).toEqual([1, 2, 3]);
  });
});
