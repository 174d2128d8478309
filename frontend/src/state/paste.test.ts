import { describe, expect, it } from 'vitest';
import type { EmployeeRead } from '../api/types';
import { chipsForPaste, isNumberList, parsePastedNumbers, pastedPhone } from './paste';

describe('parsePastedNumbers', () => {
  it('makes one normalised number per piece of a mixed list, de-duplicated', () => {
    const pasted = '+7 916 123-45-67, 8 916 765 43 21; 79161234567;9161112233';
    expect(parsePastedNumbers(pasted)).toEqual({
      phones: ['+79161234567', '+79167654321', '+79161112233'],
      invalid: [],
    });
  });

  it('reads a spreadsheet column (CRLF, tabs, a header) and lists what is not a number', () => {
    const column = 'Телефон\r\n+79161000001\r\n8(916)100-00-02\t\r\n12345\r\nИванов\r\n\r\n';
    expect(parsePastedNumbers(column)).toEqual({
      phones: ['+79161000001', '+79161000002'],
      invalid: ['Телефон', '12345', 'Иванов'],
    });
  });

  it('splits numbers separated only by spaces when each starts with +', () => {
    expect(parsePastedNumbers('+79161234567 +380441234567').phones).toEqual(['+79161234567', '+380441234567']);
  });

  it('refuses a Russian number of the wrong length and letters inside a number', () => {
    expect(pastedPhone('+7916123456')).toBeNull();
    expect(pastedPhone('8916abc4567')).toBeNull();
    expect(pastedPhone('+44 20 7946 0958')).toBe('+442079460958');
  });
});

describe('isNumberList', () => {
  it('is true for several numbers and false for a name or one number', () => {
    expect(isNumberList('+79161234567, 89167654321')).toBe(true);
    expect(isNumberList('+79161234567\n')).toBe(false);
    expect(isNumberList('Иванов, Петров')).toBe(false);
  });
});

describe('chipsForPaste', () => {
  const employees = [
    { id: 4, phone: '+79161000004', active: true },
    { id: 5, phone: '+79161000005', active: false },
  ] as EmployeeRead[];

  it('makes a known employee of their number and a raw number of the rest', () => {
    expect(chipsForPaste('8 916 100-00-04, +79161000005; 79990001122', employees, false)).toEqual({
      chips: [
        { kind: 'employee', id: 4 },
        { kind: 'number', phone: '+79161000005' },
        { kind: 'number', phone: '+79990001122' },
      ],
      invalid: [],
    });
  });

  it('lists raw numbers as not allowed for a restricted sender', () => {
    expect(chipsForPaste('+79161000004\n+79990001122\nабв', employees, true)).toEqual({
      chips: [{ kind: 'employee', id: 4 }],
      invalid: ['абв', '+79990001122'],
    });
  });

  it('leaves a name, or a partial number being typed, to the search', () => {
    expect(chipsForPaste('Иванов', employees, false)).toBeNull();
    expect(chipsForPaste('916 100', employees, false)).toBeNull();
    expect(chipsForPaste('+7 916 100 00 04', employees, false)?.chips).toEqual([{ kind: 'employee', id: 4 }]);
  });
});
