import { describe, expect, it } from 'vitest';
import { matchesQuery } from './search';

describe('matchesQuery', () => {
  it('matches any text, ignoring case and surrounding spaces', () => {
    expect(matchesQuery(' иван ', ['Иванов Сергей', null])).toBe(true);
    expect(matchesQuery('монтаж', [undefined, 'Старший монтажник'])).toBe(true);
    expect(matchesQuery('петров', ['Иванов'])).toBe(false);
  });
  it('matches the digits of a phone when the query looks like a number', () => {
    expect(matchesQuery('916 123', ['Иванов'], '+79161234567')).toBe(true);
    expect(matchesQuery('+7 (916) 123-45', ['Иванов'], '+79161234567')).toBe(true);
    expect(matchesQuery('555', ['Иванов'], '+79161234567')).toBe(false);
  });
  it('does not read digits inside words as a phone', () => {
    expect(matchesQuery('user12', ['Иванов'], '+79161234512')).toBe(false);
    expect(matchesQuery('user12', ['user12@example'], '+79161234512')).toBe(true);
  });
  it('matches everything with an empty query', () => {
    expect(matchesQuery('  ', [])).toBe(true);
  });
});
