import { describe, expect, it } from 'vitest';
import { ApiError, parseFieldErrors } from '../api/client';
import { fieldErrorMap, formFailure } from './formErrors';

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

describe('formFailure', () => {
  it('puts a coded refusal under the field the form ties it to', () => {
    const error = new ApiError(422, 'Invalid phone number', [], 'invalid_phone', { numbers: ['+7000'] });
    expect(formFailure(error, 'Неверный номер телефона: +7000', { invalid_phone: 'phone' })).toEqual({
      message: 'Неверный номер телефона: +7000',
      fields: { phone: 'Неверный номер телефона: +7000' },
    });
    expect(formFailure(error, 'm', { login_taken: 'login' })).toEqual({ message: 'm', fields: {} });
  });
  it('keeps validation field errors and ignores other throwables', () => {
    const error = new ApiError(400, 'Invalid request', [{ key: 'body.name', message: 'required' }]);
    expect(formFailure(error, 'Invalid request')).toEqual({ message: 'Invalid request', fields: { name: 'required' } });
    expect(formFailure(new Error('x'), 'offline')).toEqual({ message: 'offline', fields: {} });
  });
});
