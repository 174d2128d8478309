/** The history search page's form as API filters and a query string (docs/search.md). */
import type { DeliveryStatus, SearchFilters } from '../api/types';

/** What the form holds: text as typed, ids as option values, days as <input type="date"> gives them. */
export interface SearchForm {
  q: string;
  employeeId: string;
  groupId: string;
  direction: '' | 'in' | 'out';
  status: '' | DeliveryStatus;
  since: string;
  until: string;
}

export const emptySearchForm = (): SearchForm => ({
  q: '',
  employeeId: '',
  groupId: '',
  direction: '',
  status: '',
  since: '',
  until: '',
});

const TAG_ONLY = /^#[\p{L}\p{N}_-]+$/u;

/** The start (or, with `end`, the last millisecond) of a local calendar day, as an ISO instant; '' for none. */
export function dayBound(day: string, end = false): string {
  const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!parts) return '';
  const [year, month, date] = [Number(parts[1]), Number(parts[2]) - 1, Number(parts[3])];
  const at = end ? new Date(year, month, date, 23, 59, 59, 999) : new Date(year, month, date);
  return Number.isNaN(at.getTime()) ? '' : at.toISOString();
}

/** The API filters of a form: only what is set; a lone «#тег» asks for the tag. */
export function searchFilters(form: SearchForm): SearchFilters {
  const filters: SearchFilters = {};
  const q = form.q.trim();
  if (TAG_ONLY.test(q)) filters.tag = q;
  else if (q) filters.q = q;
  if (form.employeeId) filters.employee_id = Number(form.employeeId);
  if (form.groupId) filters.group_id = Number(form.groupId);
  if (form.direction) filters.direction = form.direction;
  if (form.status) filters.status = form.status;
  const since = dayBound(form.since);
  const until = dayBound(form.until, true);
  if (since) filters.since = since;
  if (until) filters.until = until;
  return filters;
}

/** Whether the filters ask for anything (an empty search lists nothing: the threads page shows everything). */
export function asksForSomething(filters: SearchFilters): boolean {
  return Object.values(filters).some((value) => value !== null && value !== undefined && value !== '');
}

/** GET /search's query string for these filters and page. */
export function searchQuery(filters: SearchFilters, cursor: string | null = null): URLSearchParams {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    if (value !== null && value !== undefined && value !== '') query.set(name, String(value));
  }
  if (cursor) query.set('cursor', cursor);
  return query;
}
