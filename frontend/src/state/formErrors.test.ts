import { describe, expect, it } from 'vitest';
import { parseFieldErrors } from '../api/client';
import { fieldErrorMap } from './formErrors';

describe('server validation errors', () => {
  it('reads Litestar extra lists', () => {
    const errors = parseFieldErrors([
      { key: 'phone', message: 'Неверный номер +7000', source: 'body' },
      { key: 'body.email', message: 'bad e-mail' },
    ]);
    expect(fieldErrorMap(errors)).toEqual({ phone: 'Неверный номер +7000', email: 'bad e-mail' });
  });
  it('reads a field map', () => {
    expect(fieldErrorMap(parseFieldErrors({ login: 'taken' }))).toEqual({ login: 'taken' });
  });
  it('ignores anything else', () => {
    expect(parseFieldErrors(null)).toEqual([]);
    expect(parseFieldErrors('x')).toEqual([]);
  });
});
