/** Recipient chips (employees, groups, tags, raw numbers) and their de-duplicated phone count. */
import type { ContactRead, EmployeeRead, GroupRead, Recipients, TagCount } from '../api/types';
import { matchesQuery } from './search';
import { normaliseTag, subscribes } from './tags';

export type RecipientChip =
  | { kind: 'employee'; id: number }
  | { kind: 'group'; id: number }
  | { kind: 'tag'; tag: string }
  | { kind: 'number'; phone: string };

/** What a chip names: an id, a tag or a phone number. */
export function chipValue(chip: RecipientChip): string | number {
  switch (chip.kind) {
    case 'number':
      return chip.phone;
    case 'tag':
      return chip.tag;
    default:
      return chip.id;
  }
}

export function chipKey(chip: RecipientChip): string {
  return `${chip.kind}:${chipValue(chip)}`;
}

/**
 * A loose E.164 form for de-duplication and display; the server does the real validation.
 * Russian habits: 8XXXXXXXXXX and bare 10-digit 9XXXXXXXXX mean +7.
 */
export function normalisePhone(raw: string): string {
  const trimmed = raw.trim();
  const digits = trimmed.replace(/\D/g, '');
  if (trimmed.startsWith('+')) return `+${digits}`;
  if (digits.length === 11 && (digits.startsWith('8') || digits.startsWith('7'))) return `+7${digits.slice(1)}`;
  if (digits.length === 10 && digits.startsWith('9')) return `+7${digits}`;
  return digits ? `+${digits}` : '';
}

/** Whether the typed text looks like a phone number rather than a name search. */
export function looksLikePhone(text: string): boolean {
  const t = text.trim();
  return /^\+?[\d\s\-()]+$/.test(t) && t.replace(/\D/g, '').length >= 10;
}

/** Add a chip unless an equal one is already there. */
export function addChip(chips: RecipientChip[], chip: RecipientChip): RecipientChip[] {
  const key = chipKey(chip);
  return chips.some((c) => chipKey(c) === key) ? chips : [...chips, chip];
}

export function removeChip(chips: RecipientChip[], chip: RecipientChip): RecipientChip[] {
  const key = chipKey(chip);
  return chips.filter((c) => chipKey(c) !== key);
}

/** Ids of a group and every group nested under it. */
export function groupWithDescendants(groupId: number, groups: GroupRead[]): Set<number> {
  const result = new Set<number>([groupId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const g of groups) {
      if (g.parent_id !== null && result.has(g.parent_id) && !result.has(g.id)) {
        result.add(g.id);
        grew = true;
      }
    }
  }
  return result;
}

/**
 * Every phone the chips reach, normalised and de-duplicated (inactive employees get nothing). A tag
 * reaches the listed employees who subscribe to it, and the listed external contacts still subscribed.
 */
export function recipientPhones(
  chips: RecipientChip[],
  employees: EmployeeRead[],
  groups: GroupRead[],
  contacts: Pick<ContactRead, 'phone' | 'tags' | 'opted_out'>[] = [],
): Set<string> {
  const byId = new Map(employees.map((e) => [e.id, e]));
  const phones = new Set<string>();
  const addEmployee = (id: number) => {
    const employee = byId.get(id);
    if (employee && employee.active) phones.add(normalisePhone(employee.phone));
  };
  for (const chip of chips) {
    if (chip.kind === 'employee') addEmployee(chip.id);
    else if (chip.kind === 'number') {
      const phone = normalisePhone(chip.phone);
      if (phone) phones.add(phone);
    } else if (chip.kind === 'tag') {
      const tag = normaliseTag(chip.tag);
      for (const employee of employees) if (subscribes(employee, tag)) addEmployee(employee.id);
      for (const contact of contacts) {
        if ((contact.tags ?? []).includes(tag) && !(contact.opted_out ?? []).includes(tag)) phones.add(normalisePhone(contact.phone));
      }
    } else {
      const ids = groupWithDescendants(chip.id, groups);
      for (const g of groups) if (ids.has(g.id)) g.member_ids.forEach(addEmployee);
    }
  }
  return phones;
}

/** The request body's recipients for a set of chips. */
export function toRecipients(chips: RecipientChip[]): Recipients {
  const recipients: Recipients = { employees: [], groups: [], tags: [], numbers: [] };
  for (const chip of chips) {
    if (chip.kind === 'employee') recipients.employees.push(chip.id);
    else if (chip.kind === 'group') recipients.groups.push(chip.id);
    else if (chip.kind === 'tag') recipients.tags.push(chip.tag);
    else recipients.numbers.push(chip.phone);
  }
  return recipients;
}

export interface RecipientSuggestion {
  chip: RecipientChip;
  label: string;
  sublabel: string;
  color: string | null;
}

/**
 * Groups, tags and employees matching the query by name or phone digits, in that order. A query
 * starting with '#' looks for tags only.
 */
export function suggestRecipients(
  query: string,
  employees: EmployeeRead[],
  groups: GroupRead[],
  chosen: RecipientChip[],
  tags: TagCount[] = [],
  limit = 8,
): RecipientSuggestion[] {
  const taken = new Set(chosen.map(chipKey));
  const out: RecipientSuggestion[] = [];
  const tagQuery = normaliseTag(query);
  const tagSuggestions = tags
    .map(({ tag, subscribers }) => ({ chip: { kind: 'tag', tag } as RecipientChip, label: `#${tag}`, sublabel: String(subscribers), color: null }))
    .filter(({ chip, label }) => !taken.has(chipKey(chip)) && matchesQuery(tagQuery, [label]));
  if (query.trim().startsWith('#')) return tagSuggestions.slice(0, limit);
  for (const g of groups) {
    const chip: RecipientChip = { kind: 'group', id: g.id };
    if (taken.has(chipKey(chip))) continue;
    if (matchesQuery(query, [g.name])) {
      out.push({ chip, label: g.name, sublabel: String(g.member_count), color: g.color });
    }
  }
  out.push(...tagSuggestions);
  for (const e of employees) {
    const chip: RecipientChip = { kind: 'employee', id: e.id };
    if (!e.active || taken.has(chipKey(chip))) continue;
    if (matchesQuery(query, [e.name], e.phone)) out.push({ chip, label: e.name, sublabel: e.phone, color: null });
  }
  return out.slice(0, limit);
}
