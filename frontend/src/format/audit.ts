/**
 * Audit log entries as text: the action in words, and its details — a created object's fields
 * («Телефон: +7916…») or an edit's changes («Роль: Оператор → Администратор»). Details are
 * {field: value} for a creation and {field: [old, new]} for an `*.updated` action (services/changes.py).
 */
import { ROLES, TOKEN_SCOPES, type AuditEntry, type Role } from '../api/types';
import type { MessageKey } from '../i18n/ru';
import type { Translate } from '../i18n/types';

const ACTIONS = [
  'employee.created',
  'employee.updated',
  'group.created',
  'group.updated',
  'group.deleted',
  'user.created',
  'user.updated',
  'permissions.updated',
  'token.created',
  'token.revoked',
  'account.created',
  'inbound.assigned',
] as const;

const FIELDS = [
  'name', 'phone', 'email', 'position', 'group_ids', 'tags', 'web_access', 'role', 'login', 'active', 'color',
  'parent_id', 'member_ids', 'member_count', 'all', 'groups', 'employees', 'resolved_count', 'scopes',
  'short_number', 'sender_names', 'plan', 'may_send_all', 'employee_id', 'prefix', 'sender', 'unrouted_id',
] as const;

/** Names for the ids a detail holds (groups and employees the directory knows). */
export interface AuditNames {
  group?: (id: number) => string | undefined;
  employee?: (id: number) => string | undefined;
}

const GROUP_FIELDS = new Set(['group_ids', 'groups', 'parent_id']);
const EMPLOYEE_FIELDS = new Set(['member_ids', 'employees', 'employee_id']);

/** «Изменён сотрудник»; an action this version does not know stays as the server wrote it. */
export function auditAction(action: string, t: Translate): string {
  return (ACTIONS as readonly string[]).includes(action) ? t(`audit.action.${action}` as MessageKey) : action;
}

function fieldLabel(field: string, t: Translate): string {
  return (FIELDS as readonly string[]).includes(field) ? t(`audit.field.${field}` as MessageKey) : field;
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

function valueText(field: string, value: unknown, t: Translate, names: AuditNames): string {
  if (isEmpty(value)) return t('audit.empty_value');
  if (typeof value === 'boolean') return value ? t('audit.yes') : t('audit.no');
  if (Array.isArray(value)) return value.map((item) => valueText(field, item, t, names)).join(', ');
  if (typeof value === 'number') {
    const lookup = GROUP_FIELDS.has(field) ? names.group : EMPLOYEE_FIELDS.has(field) ? names.employee : undefined;
    return lookup?.(value) ?? String(value);
  }
  if (typeof value === 'string') {
    if (field === 'role' && (ROLES as readonly string[]).includes(value)) return t(`role.${value as Role}`);
    if (field === 'scopes') return scopeLabel(value, t);
    return value;
  }
  return JSON.stringify(value);
}

/** An API token scope in words ("messages:send" → «Отправка сообщений»); an unknown one as it is. */
export function scopeLabel(scope: string, t: (key: MessageKey) => string): string {
  return (TOKEN_SCOPES as readonly string[]).includes(scope) ? t(`tokens.scope.${scope}` as MessageKey) : scope;
}

/** One line a detail: «Поле: значение», or «Поле: было → стало» for an edit. */
export function auditDetails(entry: Pick<AuditEntry, 'action' | 'details'>, t: Translate, names: AuditNames = {}): string[] {
  const details = entry.details as Record<string, unknown> | null;
  if (!details || typeof details !== 'object') return [];
  const isEdit = entry.action.endsWith('.updated');
  // a created object's empty fields say nothing
  const shown = Object.entries(details).filter(([, value]) => isEdit || !isEmpty(value));
  return shown.map(([field, value]) => {
    if (field === 'password_changed') return t('audit.passwordChanged');
    const label = fieldLabel(field, t);
    if (isEdit && Array.isArray(value) && value.length === 2) {
      const [before, after] = value;
      return `${label}: ${valueText(field, before, t, names)} → ${valueText(field, after, t, names)}`;
    }
    return `${label}: ${valueText(field, value, t, names)}`;
  });
}
