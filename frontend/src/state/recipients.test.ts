import { describe, expect, it } from 'vitest';
import type { EmployeeRead, GroupRead } from '../api/types';
import {
  addChip,
  groupWithDescendants,
  looksLikePhone,
  normalisePhone,
  recipientPhones,
  removeChip,
  suggestRecipients,
  toRecipients,
  type RecipientChip,
} from './recipients';

const employee = (id: number, name: string, phone: string, active = true): EmployeeRead => ({
  id,
  name,
  phone,
  email: null,
  position: null,
  active,
  group_ids: [],
  web_access: false,
  role: null,
  login: null,
  operator: null,
  reply_capable: true,
});
const group = (id: number, name: string, member_ids: number[], parent_id: number | null = null): GroupRead => ({
  id,
  name,
  color: '#336699',
  parent_id,
  member_ids,
  member_count: member_ids.length,
});

const employees = [
  employee(1, 'Иван Петров', '+79161234567'),
  employee(2, 'Пётр Сидоров', '+79161112233'),
  employee(3, 'Анна Уволена', '+79160000000', false),
  employee(4, 'Олег Ким', '+79035554433'),
];
const groups = [group(10, 'Монтажники', [1, 2]), group(11, 'Север', [2, 4], 10), group(12, 'Офис', [3])];

describe('normalisePhone', () => {
  it.each([
    ['+7 916 123-45-67', '+79161234567'],
    ['8 (916) 123-45-67', '+79161234567'],
    ['79161234567', '+79161234567'],
    ['9161234567', '+79161234567'],
    ['+44 20 7946 0958', '+442079460958'],
    ['', ''],
  ])('%s → %s', (raw, expected) => {
    expect(normalisePhone(raw)).toBe(expected);
  });
});

describe('looksLikePhone', () => {
  it('tells numbers from names', () => {
    expect(looksLikePhone('+7 916 123-45-67')).toBe(true);
    expect(looksLikePhone('Иван')).toBe(false);
    expect(looksLikePhone('12')).toBe(false);
    expect(looksLikePhone('91612')).toBe(false);
    expect(looksLikePhone('89161234567')).toBe(true);
  });
});

describe('recipientPhones', () => {
  it('de-duplicates an employee who is also in a group and typed as a number', () => {
    const chips: RecipientChip[] = [
      { kind: 'employee', id: 1 },
      { kind: 'group', id: 10 },
      { kind: 'number', phone: '8 916 123 45 67' },
    ];
    // group 10 includes nested group 11 → employees 1, 2, 4
    expect([...recipientPhones(chips, employees, groups)].sort()).toEqual([
      '+79035554433',
      '+79161112233',
      '+79161234567',
    ]);
  });
  it('skips inactive employees', () => {
    expect(recipientPhones([{ kind: 'group', id: 12 }], employees, groups).size).toBe(0);
  });
  it('reaches the active subscribers of a tag, once each', () => {
    const subscribed = employees.map((e) => ({ ...e, tags: e.id === 3 || e.id === 4 ? ['Авария'] : [] }));
    const chips: RecipientChip[] = [{ kind: 'tag', tag: 'авария' }, { kind: 'employee', id: 4 }];
    expect([...recipientPhones(chips, subscribed, groups)]).toEqual(['+79035554433']);
  });
  it('reaches a tag\'s external contacts still subscribed, not those who said «СТОП»', () => {
    const contacts = [
      { phone: '+79035550777', tags: ['объект'], opted_out: ['объект'] },
      { phone: '+79035550778', tags: ['объект', 'склад'], opted_out: ['склад'] },
    ];
    const chips: RecipientChip[] = [{ kind: 'tag', tag: '#Объект' }, { kind: 'tag', tag: 'склад' }];
    expect([...recipientPhones(chips, employees, groups, contacts)]).toEqual(['+79035550778']);
  });
  it('counts raw numbers of strangers', () => {
    const chips: RecipientChip[] = [{ kind: 'number', phone: '+79990001122' }, { kind: 'number', phone: '89990001122' }];
    expect(recipientPhones(chips, employees, groups).size).toBe(1);
  });
});

describe('groups and chips', () => {
  it('finds nested groups', () => {
    expect([...groupWithDescendants(10, [...groups, group(13, 'Север-1', [], 11)])].sort()).toEqual([10, 11, 13]);
  });
  it('adds a chip once and removes it', () => {
    let chips = addChip([], { kind: 'employee', id: 1 });
    chips = addChip(chips, { kind: 'employee', id: 1 });
    expect(chips).toHaveLength(1);
    expect(removeChip(chips, { kind: 'employee', id: 1 })).toHaveLength(0);
  });
  it('builds the request recipients', () => {
    const chips: RecipientChip[] = [
      { kind: 'employee', id: 1 },
      { kind: 'group', id: 10 },
      { kind: 'number', phone: '+79990001122' },
    ];
    expect(toRecipients(chips)).toEqual({ employees: [1], groups: [10], tags: [], numbers: ['+79990001122'] });
    expect(toRecipients([{ kind: 'tag', tag: 'авария' }])).toEqual({ employees: [], groups: [], tags: ['авария'], numbers: [] });
  });
});

describe('suggestRecipients', () => {
  it('matches by name, groups first, and hides chosen and inactive', () => {
    const found = suggestRecipients('', employees, groups, [{ kind: 'employee', id: 2 }]);
    expect(found.map((s) => s.label)).toEqual(['Монтажники', 'Север', 'Офис', 'Иван Петров', 'Олег Ким']);
  });
  it('offers tags after groups, and only tags for a query starting with #', () => {
    const tags = [{ tag: 'авария', subscribers: 3 }, { tag: 'пожар', subscribers: 1 }];
    const all = suggestRecipients('', employees, groups, [{ kind: 'tag', tag: 'пожар' }], tags, 20);
    expect(all.map((s) => s.label)).toEqual(['Монтажники', 'Север', 'Офис', '#авария', 'Иван Петров', 'Пётр Сидоров', 'Олег Ким']);
    expect(all[3]).toMatchObject({ chip: { kind: 'tag', tag: 'авария' }, sublabel: '3' });
    expect(suggestRecipients('#ав', employees, groups, [], tags).map((s) => s.label)).toEqual(['#авария']);
    expect(suggestRecipients('#', employees, groups, [], tags).map((s) => s.label)).toEqual(['#авария', '#пожар']);
  });
  it('matches by phone digits', () => {
    expect(suggestRecipients('555', employees, groups, []).map((s) => s.label)).toEqual(['Олег Ким']);
  });
  it('matches by part of a name, case-insensitively', () => {
    expect(suggestRecipients('петр', employees, groups, []).map((s) => s.label)).toEqual(['Иван Петров']);
  });
});
