import { describe, expect, it } from 'vitest';
import { en } from './en';
import { interpolate, render } from './translate';
import { ru } from './ru';

describe('translate', () => {
  it('interpolates placeholders', () => {
    expect(interpolate('Доставлено {a} из {b}', { a: 47, b: 50 })).toBe('Доставлено 47 из 50');
    expect(interpolate('{missing}')).toBe('{missing}');
  });
  it('picks Russian plural forms', () => {
    const entry = { one: '{count} ожидает', few: '{count} ожидают', many: '{count} ожидают', other: '{count} ожидают' };
    expect(render(entry, 'ru', { count: 1 })).toBe('1 ожидает');
    expect(render(entry, 'ru', { count: 21 })).toBe('21 ожидает');
    expect(render(entry, 'ru', { count: 3 })).toBe('3 ожидают');
    expect(render(entry, 'ru', { count: 11 })).toBe('11 ожидают');
  });
  it('has the same keys in Russian and English', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(ru).sort());
  });
});
