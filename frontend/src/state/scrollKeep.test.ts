import { describe, expect, it } from 'vitest';
import { NEAR_TOP_PX, scrollAfterMove } from './scrollKeep';

describe('scrollAfterMove', () => {
  it('goes back to the very top when the user was near it', () => {
    expect(scrollAfterMove({ scrollTop: 0, anchor: { key: '4', top: 0 } }, 128)).toBe(0);
    expect(scrollAfterMove({ scrollTop: NEAR_TOP_PX, anchor: { key: '4', top: 64 } }, 192)).toBe(0);
  });
  it('keeps the first row in view where it was when the user scrolled deep down', () => {
    // row 7 was at 640 with scrollTop 600; two rows (128px) were inserted above it
    expect(scrollAfterMove({ scrollTop: 600, anchor: { key: '7', top: 640 } }, 768)).toBe(728);
    // a row above it moved to the top: nothing above it changed height
    expect(scrollAfterMove({ scrollTop: 600, anchor: { key: '7', top: 640 } }, 640)).toBe(600);
  });
  it('leaves the position when the anchor row is gone', () => {
    expect(scrollAfterMove({ scrollTop: 600, anchor: { key: '7', top: 640 } }, null)).toBeNull();
    expect(scrollAfterMove({ scrollTop: 600, anchor: null }, null)).toBeNull();
  });
  it('never scrolls above the top', () => {
    expect(scrollAfterMove({ scrollTop: 200, anchor: { key: '7', top: 640 } }, 100)).toBe(0);
  });
});
