import { describe, expect, it } from 'vitest';
import type { EmployeeRead } from '../api/types';
import { addTags, normaliseTag, parseTags, subscribes } from './tags';

const withTags = (id: number, tags: string[]) => ({ id, tags }) as EmployeeRead;

describe('tags', () => {
  it('drops the # and folds case', () => {
    expect(normaliseTag(' #Авария ')).toBe('авария');
    expect(normaliseTag('##пожар')).toBe('пожар');
    expect(normaliseTag('#')).toBe('');
  });
  it('splits what was typed at commas and spaces, once each', () => {
    expect(parseTags('#авария, пожар;  #Авария')).toEqual(['авария', 'пожар', 'авария']);
    expect(addTags(['авария'], '#Авария пожар')).toEqual(['авария', 'пожар']);
    expect(addTags([], '  ')).toEqual([]);
  });
  it('tells a subscriber by the folded tag', () => {
    expect(subscribes(withTags(1, ['Авария']), 'авария')).toBe(true);
    expect(subscribes({ tags: undefined }, 'авария')).toBe(false);
  });
});
