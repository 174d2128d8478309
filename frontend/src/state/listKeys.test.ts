import { describe, expect, it } from 'vitest';
import { keyTarget, needsNextPage } from './listKeys';

describe('keyTarget', () => {
  it('moves by one and to the ends, clamped to the loaded rows', () => {
    expect(keyTarget('ArrowDown', 3, 10)).toBe(4);
    expect(keyTarget('ArrowUp', 3, 10)).toBe(2);
    expect(keyTarget('ArrowUp', 0, 10)).toBe(0);
    expect(keyTarget('ArrowDown', 9, 10)).toBe(9);
    expect(keyTarget('Home', 7, 10)).toBe(0);
    expect(keyTarget('End', 0, 5000)).toBe(4999);
  });

  it('ignores other keys, an empty list and a focus outside the rows', () => {
    expect(keyTarget('Enter', 3, 10)).toBeNull();
    expect(keyTarget('ArrowDown', 0, 0)).toBeNull();
    expect(keyTarget('ArrowDown', -1, 10)).toBeNull();
  });
});

describe('needsNextPage', () => {
  it('asks near the end of the loaded rows, only while there are more', () => {
    expect(needsNextPage(79, 100, true)).toBe(true);
    expect(needsNextPage(78, 100, true)).toBe(false);
    expect(needsNextPage(99, 100, false)).toBe(false);
    expect(needsNextPage(0, 0, true)).toBe(true);
  });
});
