import { describe, expect, it } from 'vitest';
import type { EmployeeRead } from '../api/types';
import { addTags, countOptedOut, normaliseTag, parseTags, subscribes, threadTag } from './tags';

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

  it('counts each opted-out contact of the chosen tags once', () => {
    const known = [
      { tag: 'объект', opted_out: [1, 2] },
      { tag: 'склад', opted_out: [2, 3] },
      { tag: 'авария', opted_out: [] },
    ];
    expect(countOptedOut(['#Объект'], known)).toBe(2);
    expect(countOptedOut(['объект', 'склад'], known)).toBe(3);
    expect(countOptedOut(['авария', 'нет'], known)).toBe(0);
  });

  it('a tag thread is about its title without the #', () => {
    expect(threadTag('#1234')).toBe('1234');
  });
});
