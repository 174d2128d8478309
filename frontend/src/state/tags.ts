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

/**
 * The tags to offer as recipients. A restricted sender sees only some employees; a tag with
 * subscribers beyond them would be refused, so only tags whose every subscriber is visible are offered.
 */
export function offeredTags(tags: TagCount[], visible: EmployeeRead[], restricted: boolean): TagCount[] {
  if (!restricted) return tags;
  return tags.filter(({ tag, subscribers }) => {
    const seen = visible.filter((employee) => subscribes(employee, normaliseTag(tag))).length;
    return seen > 0 && seen >= subscribers;
  });
}
