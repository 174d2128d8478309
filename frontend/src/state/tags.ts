/** Subscription tags: «#Авария» and «авария» are the same tag (the server case-folds too). */
import type { EmployeeRead, TagCount } from '../api/types';

/** A tag as stored: without leading '#', trimmed, lower case; '' when nothing is left. */
export function normaliseTag(raw: string): string {
  return raw.trim().replace(/^#+/, '').trim().toLocaleLowerCase('ru');
}

/** Tags typed into one box, split at commas, semicolons and spaces: «#авария, пожар» → two tags. */
export function parseTags(text: string): string[] {
  return text.split(/[\s,;]+/).map(normaliseTag).filter(Boolean);
}

/** `tags` plus every tag in `text` that is not there yet, in the order typed. */
export function addTags(tags: string[], text: string): string[] {
  const result = [...tags];
  for (const tag of parseTags(text)) if (!result.includes(tag)) result.push(tag);
  return result;
}

/** Whether an employee subscribes to the tag. */
export function subscribes(employee: Pick<EmployeeRead, 'tags'>, tag: string): boolean {
  return (employee.tags ?? []).some((own) => normaliseTag(own) === tag);
}

/** How many external contacts left («СТОП») at least one of these tags: «2 отписались» (each counted once). */
export function countOptedOut(tags: string[], known: Pick<TagCount, 'tag' | 'opted_out'>[]): number {
  const wanted = new Set(tags.map(normaliseTag));
  const left = new Set<number>();
  for (const item of known) if (wanted.has(item.tag)) for (const id of item.opted_out ?? []) left.add(id);
  return left.size;
}

/** The tag a tag thread is about: its title «#1234» without the '#'. */
export function threadTag(title: string): string {
  return normaliseTag(title);
}
