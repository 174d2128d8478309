import { describe, expect, it } from 'vitest';
import { tEn, tRu } from '../testing/translators';
import { auditAction, auditDetails } from './audit';

describe('auditAction', () => {
  it('puts every documented action into words', () => {
    expect(auditAction('employee.updated', tRu)).toBe('Изменён сотрудник');
    expect(auditAction('permissions.updated', tEn)).toBe('Permissions changed');
    expect(auditAction('token.revoked', tRu)).toBe('Отозван API-токен');
  });
  it('keeps an unknown action as written', () => {
    expect(auditAction('gateway.restarted', tRu)).toBe('gateway.restarted');
  });
});

describe('auditDetails', () => {
  const names = { group: (id: number) => (id === 5 ? 'Монтажники' : undefined), employee: () => undefined };

  it('shows an edit as old → new, with roles, flags, empty values and group names in words', () => {
    const entry = {
      action: 'user.updated',
      details: { role: ['Operator', 'Administrator'], active: [true, false], name: ['', 'Иван'], password_changed: true },
    };
    expect(auditDetails(entry, tRu)).toEqual([
      'Роль: Оператор → Администратор',
      'Активен: да → нет',
      'Имя: пусто → Иван',
      'Пароль изменён',
    ]);
    const permissions = { action: 'permissions.updated', details: { all: [true, false], groups: [[], [5, 8]], resolved_count: [12, 3] } };
    expect(auditDetails(permissions, tRu, names)).toEqual([
      'Всем получателям: да → нет',
      'Группы: пусто → Монтажники, 8',
      'Доступно сотрудников: 12 → 3',
    ]);
  });

  it('lists a created object’s filled fields; a two-item list there is a value, not a change', () => {
    const entry = {
      action: 'employee.created',
      details: { phone: '+79161234567', email: null, login: '', group_ids: [5, 6], tags: ['авария'], role: null, position: [] },
    };
    expect(auditDetails(entry, tEn, names)).toEqual(['Phone: +79161234567', 'Groups: Монтажники, 6', 'Tags: авария']);
    const token = { action: 'token.created', details: { scopes: ['messages:send', 'custom:x'] } };
    expect(auditDetails(token, tRu)).toEqual(['Права: Отправка сообщений, custom:x']);
  });

  it('keeps unknown fields by their name and shows nothing without details', () => {
    expect(auditDetails({ action: 'x.updated', details: { weird: [1, 2] } }, tRu)).toEqual(['weird: 1 → 2']);
    expect(auditDetails({ action: 'token.revoked', details: {} }, tRu)).toEqual([]);
  });
});
