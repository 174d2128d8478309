/**
 * A failed request as a sentence in the UI's language. Service refusals carry a stable `code` and
 * the values they name in `extra` (docs/api.md, "Errors"); unknown codes, and 400 validation errors
 * (no code), keep the server's own `detail`.
 */
import { ApiError } from '../api/client';
import type { MessageKey } from './ru';
import type { Params } from './translate';
import type { Translate } from './types';

/** Optional display names for ids an error names (the directory knows them; inactive ones too). */
export interface ErrorNames {
  employee?: (id: number) => string | undefined;
  group?: (id: number) => string | undefined;
}

/** The message's params from `extra`, or null when `extra` lacks what the message needs. */
type Reader = (extra: Record<string, unknown>, names: ErrorNames, t: Translate) => Params | null;

const none: Reader = () => ({});

/** One named value: extra[name] must be a string or a number. */
function value(name: string): Reader {
  return (extra) => {
    const found = extra[name];
    return typeof found === 'string' || typeof found === 'number' ? { [name]: found } : null;
  };
}

/** A non-empty list, joined with commas; `count` picks the plural form. Ids become names where known. */
function list(name: string, lookup?: (names: ErrorNames) => ((id: number) => string | undefined) | undefined): Reader {
  return (extra, names) => {
    const found = extra[name];
    if (!Array.isArray(found) || found.length === 0) return null;
    const nameOf = lookup?.(names);
    const items = found.map((item) => (typeof item === 'number' && nameOf?.(item)) || String(item));
    return { [name]: items.join(', '), count: items.length };
  };
}

/** How many forbidden recipients a refusal names before «и ещё N». */
export const FORBIDDEN_SHOWN = 10;

/** «Иванов (+7916…), +7903… и ещё 5»: who a send may not reach, by name where the server knows it. */
const forbidden: Reader = (extra, _names, t) => {
  const found = extra.forbidden;
  if (!Array.isArray(found) || found.length === 0) return null;
  const shown = found.slice(0, FORBIDDEN_SHOWN).map((item) => {
    const { name, phone } = record(item);
    return typeof name === 'string' && name ? `${name} (${String(phone ?? '')})` : String(phone ?? '');
  });
  const more = found.length - shown.length;
  const listed = shown.join(', ');
  return { recipients: more > 0 ? `${listed} ${t('error.andMore', { count: more })}` : listed };
};

/** A login throttle's `retry_after` (seconds) in whole minutes, at least one. */
const retryMinutes: Reader = (extra) => {
  const seconds = extra.retry_after;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return null;
  return { count: Math.max(1, Math.ceil(seconds / 60)) };
};

function both(...readers: Reader[]): Reader {
  return (extra, names, t) => {
    const params: Params = {};
    for (const reader of readers) {
      const part = reader(extra, names, t);
      if (part === null) return null;
      Object.assign(params, part);
    }
    return params;
  };
}

/** Every code the API documents: the message key and what it interpolates. */
const CODES: Record<string, [MessageKey, Reader]> = {
  text_empty: ['error.text_empty', none],
  text_too_long: ['error.text_too_long', both(value('length'), value('limit'))],
  invalid_phone: ['error.invalid_phone', list('numbers')],
  unknown_groups: ['error.unknown_groups', list('groups', (names) => names.group)],
  unknown_tags: ['error.unknown_tags', list('tags')],
  unknown_employees: ['error.unknown_employees', list('employees', (names) => names.employee)],
  no_recipients: ['error.no_recipients', none],
  phone_taken: ['error.phone_taken', value('phone')],
  login_taken: ['error.login_taken', value('login')],
  web_access_needs_login: ['error.web_access_needs_login', none],
  group_cycle: ['error.group_cycle', none],
  not_found: ['error.not_found', none],
  forbidden: ['error.forbidden', none],
  bad_credentials: ['login.badCredentials', none],
  admin_only: ['error.admin_only', none],
  role_may_not_send: ['error.role_may_not_send', none],
  too_many_attempts: ['error.too_many_attempts', retryMinutes],
  forbidden_recipients: ['error.forbidden_recipients', forbidden],
  self_lockout: ['error.self_lockout', none],
  platform_admin_only: ['error.platform_admin_only', none],
  employee_has_login: ['error.employee_has_login', value('login')],
  invalid_sender: ['error.invalid_sender', value('sender')],
  unknown_account: ['error.unknown_account', value('account_id')],
  already_assigned: ['error.already_assigned', none],
  confirmation_required: [
    'error.confirmation_required',
    both(value('recipients'), value('parts'), value('total'), value('threshold')),
  ],
  no_unanswered: ['error.no_unanswered', none],
  not_outbound: ['error.not_outbound', none],
  contact_exists: ['error.contact_exists', none],
  send_at_past: ['error.send_at_past', none],
  send_at_too_far: ['error.send_at_too_far', none],
  message_not_scheduled: ['error.message_not_scheduled', none],
  cancel_not_author: ['error.cancel_not_author', none],
  timezone_unknown: ['error.timezone_unknown', value('timezone')],
  template_syntax: ['error.template_syntax', both(value('line'), value('problem'))],
  template_unsafe: ['error.template_unsafe', both(value('line'), value('problem'))],
  template_too_big: ['error.template_too_big', value('problem')],
  template_too_long: ['error.template_too_long', none],
  template_too_slow: ['error.template_too_slow', none],
  template_invalid: ['error.template_invalid', both(value('line'), value('problem'))],
  template_name_taken: ['error.template_name_taken', value('name')],
  exports_running: ['error.exports_running', value('running')],
  export_not_ready: ['error.export_not_ready', none],
  invalid_filter: ['error.invalid_filter', value('field')],
};

function record(extra: unknown): Record<string, unknown> {
  return extra && typeof extra === 'object' && !Array.isArray(extra) ? (extra as Record<string, unknown>) : {};
}

/** The sentence to show for a failed request (or anything else a request threw). */
export function errorMessage(error: unknown, t: Translate, names: ErrorNames = {}): string {
  if (!(error instanceof ApiError) || error.status === 0) return t('common.networkError');
  const known = error.code ? CODES[error.code] : undefined;
  if (known) {
    const [key, read] = known;
    const params = read(record(error.extra), names, t);
    if (params) return t(key, params);
  }
  return error.detail || t('common.networkError');
}
