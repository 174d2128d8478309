import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError } from '../api/client';
import { tEn, tRu } from '../testing/translators';
import { en } from './en';
import { errorMessage } from './errors';
import { ru } from './ru';

const refusal = (code: string | null, extra?: unknown, detail = 'English detail.', status = 422) =>
  new ApiError(status, detail, [], code, extra);

describe('errorMessage: codes in the UI language', () => {
  it('interpolates the numbers an invalid_phone names', () => {
    const error = refusal('invalid_phone', { numbers: ['+70000000000'] });
    expect(errorMessage(error, tRu)).toBe('Неверный номер телефона: +70000000000');
    expect(errorMessage(error, tEn)).toBe('Invalid phone number: +70000000000');
    const two = refusal('invalid_phone', { numbers: ['+7000', '12'] });
    expect(errorMessage(two, tRu)).toBe('Неверные номера телефонов: +7000, 12');
    expect(errorMessage(two, tEn)).toBe('Invalid phone numbers: +7000, 12');
  });

  it('interpolates length and limit of text_too_long', () => {
    const error = refusal('text_too_long', { length: 1200, limit: 1000 });
    expect(errorMessage(error, tRu)).toBe('Слишком длинный текст: 1200 символов, можно не больше 1000');
    expect(errorMessage(error, tEn)).toBe('The text is too long: 1200 characters, the limit is 1000');
  });

  it('names unknown ids, by name where the directory knows them', () => {
    const groups = refusal('unknown_groups', { groups: [5] });
    expect(errorMessage(groups, tRu)).toBe('Группа не найдена: 5');
    expect(errorMessage(groups, tEn, { group: (id) => (id === 5 ? 'Монтажники' : undefined) })).toBe(
      'Group not found: Монтажники',
    );
    const employees = refusal('unknown_employees', { employees: [3, 9] });
    const names = { employee: (id: number) => (id === 3 ? 'Иванов' : undefined) };
    expect(errorMessage(employees, tRu, names)).toBe('Сотрудники не найдены или отключены: Иванов, 9');
    expect(errorMessage(employees, tEn, names)).toBe('Employees not found or inactive: Иванов, 9');
  });

  it('interpolates the phone and the login that are taken', () => {
    expect(errorMessage(refusal('phone_taken', { phone: '+79161234567' }, 'x', 409), tRu)).toBe(
      'Номер +79161234567 уже принадлежит другому сотруднику',
    );
    expect(errorMessage(refusal('login_taken', { login: 'ivanov' }, 'x', 409), tEn)).toBe('The login «ivanov» is taken');
  });

  it('translates every documented code without placeholders left over', () => {
    const extras: Record<string, unknown> = {
      text_too_long: { length: 1001, limit: 1000 },
      invalid_phone: { numbers: ['1'] },
      unknown_groups: { groups: [1] },
      unknown_employees: { employees: [1] },
      phone_taken: { phone: '+7' },
      login_taken: { login: 'a' },
      too_many_attempts: { retry_after: 60 },
      employee_has_login: { employee_id: 1, login: 'ivanov' },
      invalid_sender: { sender: '' },
      unknown_account: { account_id: 9 },
      timezone_unknown: { timezone: 'Mars/Olympus' },
      forbidden_recipients: { forbidden: [{ phone: '+7', employee_id: null, name: null }] },
    };
    const codes = [
      'text_empty', 'text_too_long', 'invalid_phone', 'unknown_groups', 'unknown_employees', 'no_recipients',
      'phone_taken', 'login_taken', 'web_access_needs_login', 'group_cycle', 'not_found', 'bad_credentials',
      'admin_only', 'role_may_not_send', 'too_many_attempts', 'forbidden_recipients', 'self_lockout',
      'employee_has_login', 'platform_admin_only', 'invalid_sender', 'unknown_account', 'already_assigned',
      'send_at_past', 'send_at_too_far', 'message_not_scheduled', 'cancel_not_author', 'timezone_unknown',
    ];
    for (const code of codes) {
      for (const t of [tRu, tEn]) {
        const text = errorMessage(refusal(code, extras[code], 'DETAIL'), t);
        expect(text, code).not.toBe('DETAIL');
        expect(text, code).not.toMatch(/[{}]/);
      }
    }
    expect(errorMessage(refusal('bad_credentials', undefined, 'x', 401), tRu)).toBe('Неверный логин или пароль');
    expect(errorMessage(refusal('role_may_not_send', { recipients: ['+7'] }, 'x', 403), tEn)).toBe(
      'Your role may not send messages',
    );
  });

  it('says when to try signing in again, in whole minutes with the right plural', () => {
    const after = (seconds: number) => refusal('too_many_attempts', { retry_after: seconds }, 'x', 429);
    expect(errorMessage(after(30), tRu)).toBe('Слишком много попыток входа. Повторите через 1 минуту.');
    expect(errorMessage(after(120), tRu)).toBe('Слишком много попыток входа. Повторите через 2 минуты.');
    expect(errorMessage(after(301), tRu)).toBe('Слишком много попыток входа. Повторите через 6 минут.');
    expect(errorMessage(after(21 * 60), tRu)).toBe('Слишком много попыток входа. Повторите через 21 минуту.');
    expect(errorMessage(after(900), tEn)).toBe('Too many sign-in attempts. Try again in 15 minutes.');
    expect(errorMessage(refusal('too_many_attempts', {}, 'Slow down.', 429), tRu)).toBe('Slow down.');
  });

  it('names the forbidden recipients of a refused send, the first ten and how many more', () => {
    const two = refusal('forbidden_recipients', {
      forbidden: [
        { phone: '+79160000001', employee_id: 4, name: 'Петров' },
        { phone: '+79160000002', employee_id: null, name: null },
      ],
    }, 'x', 403);
    expect(errorMessage(two, tRu)).toBe('Нельзя отправить: Петров (+79160000001), +79160000002. Ничего не отправлено.');
    expect(errorMessage(two, tEn)).toBe('You may not send to: Петров (+79160000001), +79160000002. Nothing was sent.');
    const many = Array.from({ length: 13 }, (_, i) => ({ phone: `+7900000000${i}`, employee_id: null, name: null }));
    const text = errorMessage(refusal('forbidden_recipients', { forbidden: many }, 'x', 403), tRu);
    expect(text).toContain(', +79000000009 и ещё 3. Ничего не отправлено.');
    expect(text).not.toContain('+790000000010');
  });

  it('keeps the detail for unknown codes, validation errors and extras missing a value', () => {
    expect(errorMessage(refusal('a_future_code', undefined, 'No account uses it.'), tRu)).toBe('No account uses it.');
    const validation = new ApiError(400, 'Invalid request: Expected `str` (at name)', [{ key: 'name', message: 'x' }]);
    expect(errorMessage(validation, tRu)).toBe('Invalid request: Expected `str` (at name)');
    expect(errorMessage(refusal('invalid_phone', undefined, 'Bad number.'), tRu)).toBe('Bad number.');
    expect(errorMessage(refusal('invalid_phone', { numbers: [] }, 'Bad number.'), tRu)).toBe('Bad number.');
    expect(errorMessage(refusal('text_too_long', { length: 1200 }, 'Too long.'), tEn)).toBe('Too long.');
  });

  it('says the server is unreachable for network failures and non-API errors', () => {
    expect(errorMessage(new ApiError(0, ''), tRu)).toBe(ru['common.networkError']);
    expect(errorMessage(new TypeError('boom'), tEn)).toBe(en['common.networkError']);
  });
});

describe('ApiError from a response', () => {
  afterEach(() => vi.unstubAllGlobals());

  const respond = (status: number, body: unknown) =>
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify(body), { status })));

  it('keeps code and extra of a refusal, and does not read its extra as field errors', async () => {
    respond(422, { status_code: 422, detail: 'Invalid phone number: «+7000»', code: 'invalid_phone', extra: { numbers: ['+7000'] } });
    const error = await api.sendMessage({ text: 'x', recipients: { numbers: ['+7000'] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 422, code: 'invalid_phone', extra: { numbers: ['+7000'] }, fieldErrors: [] });
    expect(errorMessage(error, tRu)).toBe('Неверный номер телефона: +7000');
  });

  it('reads field errors of a validation error, which has no code', async () => {
    respond(400, { status_code: 400, detail: 'Invalid request: bad', extra: [{ key: 'phone', message: 'bad' }] });
    const error = await api.createEmployee({ name: 'a', phone: 'b' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, code: null, fieldErrors: [{ key: 'phone', message: 'bad' }] });
    expect(errorMessage(error, tEn)).toBe('Invalid request: bad');
  });
});
