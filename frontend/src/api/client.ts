/** Typed REST client for /api/v1 (docs/api.md); session cookie, JSON in and out. */
import type {
  EmployeeCreate,
  EmployeeRead,
  EmployeeUpdate,
  GroupCreate,
  GroupRead,
  GroupUpdate,
  Items,
  MessageCreate,
  MessagePage,
  MessageRead,
  SimulatorMessage,
  SimulatorPhone,
  ThreadRead,
  UserRead,
} from './types';

export interface FieldError {
  key: string;
  message: string;
}

/** The thread list, with the id of the newest event it already reflects. */
export type ThreadList = Items<ThreadRead> & { last_event_id?: number };

/**
 * An HTTP error (status 0: the server could not be reached) carrying the server's English `detail`,
 * its stable `code` and `extra` (what the refusal named) for translation, and validation field errors.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly detail: string;
  readonly fieldErrors: FieldError[];
  readonly code: string | null;
  readonly extra: unknown;

  constructor(status: number, detail: string, fieldErrors: FieldError[] = [], code: string | null = null, extra?: unknown) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.fieldErrors = fieldErrors;
    this.code = code;
    this.extra = extra;
  }
}

/** Listeners told when any request answers 401 (the session is gone). */
const unauthorizedListeners = new Set<() => void>();

export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** Field errors from Litestar's `extra` (a list of {key, message}) or a {field: message} map. */
export function parseFieldErrors(extra: unknown): FieldError[] {
  if (Array.isArray(extra)) {
    return extra
      .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
      .map((e) => ({ key: String(e.key ?? e.field ?? ''), message: String(e.message ?? e.detail ?? '') }))
      .filter((e) => e.message !== '');
  }
  if (extra && typeof extra === 'object') {
    return Object.entries(extra as Record<string, unknown>).map(([key, value]) => ({
      key,
      message: Array.isArray(value) ? value.join(', ') : String(value),
    }));
  }
  return [];
}

async function toApiError(response: Response): Promise<ApiError> {
  let detail = response.statusText || `HTTP ${response.status}`;
  let body: { detail?: unknown; code?: unknown; extra?: unknown } | null = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: keep the status text
  }
  if (body && typeof body.detail === 'string') detail = body.detail;
  const code = body && typeof body.code === 'string' ? body.code : null;
  // a coded refusal's `extra` names values (numbers, ids, a login), not form fields
  const fields = code ? [] : parseFieldErrors(body?.extra);
  return new ApiError(response.status, detail, fields, code, body?.extra);
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
  };
  if (body !== undefined) {
    init.headers = { ...init.headers, 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, init);
  } catch {
    throw new ApiError(0, '');
  }
  if (!response.ok) {
    const error = await toApiError(response);
    if (response.status === 401 && path !== '/auth/login') {
      unauthorizedListeners.forEach((listener) => listener());
    }
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

const enc = encodeURIComponent;

export const api = {
  login: (login: string, password: string) => request<UserRead>('POST', '/auth/login', { login, password }),
  logout: () => request<void>('POST', '/auth/logout'),
  me: () => request<UserRead>('GET', '/auth/me'),

  listEmployees: () => request<Items<EmployeeRead>>('GET', '/employees'),
  createEmployee: (data: EmployeeCreate) => request<EmployeeRead>('POST', '/employees', data),
  updateEmployee: (id: number, data: EmployeeUpdate) => request<EmployeeRead>('PATCH', `/employees/${id}`, data),

  listGroups: () => request<Items<GroupRead>>('GET', '/groups'),
  createGroup: (data: GroupCreate) => request<GroupRead>('POST', '/groups', data),
  updateGroup: (id: number, data: GroupUpdate) => request<GroupRead>('PATCH', `/groups/${id}`, data),
  deleteGroup: (id: number) => request<void>('DELETE', `/groups/${id}`),

  sendMessage: (data: MessageCreate) => request<MessageRead>('POST', '/messages', data),
  getMessage: (id: number) => request<MessageRead>('GET', `/messages/${id}`),

  listThreads: () => request<ThreadList>('GET', '/threads'),
  listThreadMessages: (id: number, beforeId?: number, limit = 50) => {
    const query = new URLSearchParams({ limit: String(limit) });
    if (beforeId !== undefined) query.set('before_id', String(beforeId));
    return request<MessagePage>('GET', `/threads/${id}/messages?${query}`);
  },
  markThreadRead: (id: number, lastMessageId: number) =>
    request<void>('POST', `/threads/${id}/read`, { last_message_id: lastMessageId }),

  listPhones: () => request<Items<SimulatorPhone>>('GET', '/simulator/phones'),
  listPhoneMessages: (phone: string) =>
    request<Items<SimulatorMessage>>('GET', `/simulator/phones/${enc(phone)}/messages`),
  sendInbound: (from: string, text: string) =>
    request<MessageRead>('POST', '/simulator/inbound', { from, text }),
};
