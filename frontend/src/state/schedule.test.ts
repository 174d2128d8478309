import { describe, expect, it } from 'vitest';
import { localInputValue, toSendTiming, validityUnit } from './schedule';

describe('schedule', () => {
  it('sends a naive local time and a positive validity only', () => {
    expect(toSendTiming('2026-12-01T09:30', 0)).toEqual({ send_at: '2026-12-01T09:30:00' });
    expect(toSendTiming('', 60)).toEqual({ valid_minutes: 60 });
    expect(toSendTiming('', 0)).toEqual({});
  });

  it('says a validity in its largest whole unit', () => {
    expect(validityUnit(15)).toEqual({ key: 'schedule.minutes', count: 15 });
    expect(validityUnit(240)).toEqual({ key: 'schedule.hours', count: 4 });
    expect(validityUnit(4320)).toEqual({ key: 'schedule.days', count: 3 });
  });

  it('opens the picker at the account zone’s local time', () => {
    const now = new Date('2026-11-30T21:10:00Z');
    expect(localInputValue('Europe/Moscow', 60, now)).toBe('2026-12-01T01:10');
    expect(localInputValue('Asia/Vladivostok', 0, now)).toBe('2026-12-01T07:10');
  });
});
