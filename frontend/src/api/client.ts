/** Typed REST client for /api/v1 (docs/api.md); session cookie, JSON in and out. */
import type {
  SmppBindRead,
  SmppBindWrite,
  AccountCreate,
  AccountRead,
  AccountSettings,
  ContactCreate,
  ContactPromote,
  ContactRead,
  ContactResubscribe,
  ContactUpdate,
  DeliveryFilter,
  AccountUpdate,
  ExportRead,
  SearchFilters,
  AuditPage,
  EmployeeCreate,
  EmployeeRead,
  EmployeeUpdate,
  GroupCreate,
  GroupRead,
  GroupUpdate,
  HttpProviderRead,
  HttpProviderWrite,
  Items,
  MailSettingsRead,
  MailSettingsUpdate,
  MessageCreate,
  MessagePage,
  MessageRead,
  OperatorCounts,
  PermissionsRead,
  PermissionsUpdate,
  SimulatorMessage,
  SimulatorPhone,
  TagCount,
  TemplateRead,
  TemplateRendered,
  SearchResults,
  ThreadRead,
  TokenCreated,
  TokenRead,
  TokenScope,
  UnroutedPage,
  GatewayAlarmRead,
  GatewayStatusRead,
  UnroutedRead,
  UserRead,
  WebhookCallPage,
  WebhookSettingsRead,
  WebhookSettingsUpdate,
  WebUserCreate,
  WebUserRead,
  WebUserUpdate,
} from "./types";

export interface FieldError {
  key: string;
  message: string;
}

/** The thread list, with the id of the newest event it already reflects. */
export type ThreadList = Items<ThreadRead> & { last_event_id?: number; unread_total?: number; next_cursor?: string | null };

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

  constructor(
    status: number,
    detail: string,
    fieldErrors: FieldError[] = [],
    code: string | null = null,
    extra?: unknown,
  ) {
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
      .filter(
        (e): e is Record<string, unknown> =>
          typeof e === "object" && e !== null,
      )
      .map((e) => ({
        key: String(e.key ?? e.field ?? ""),
        message: String(e.message ?? e.detail ?? ""),
      }))
      .filter((e) => e.message !== "");
  }
  if (extra && typeof extra === "object") {
    return Object.entries(extra as Record<string, unknown>).map(
      ([key, value]) => ({
        key,
        message: Array.isArray(value) ? value.join(", ") : String(value),
      }),
    );
  }
  return [];
}

export async function toApiError(response: Response): Promise<ApiError> {
  let detail = response.statusText || `HTTP ${response.status}`;
  let body: { detail?: unknown; code?: unknown; extra?: unknown } | null = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: keep the status text
  }
  if (body && typeof body.detail === "string") detail = body.detail;
  const code = body && typeof body.code === "string" ? body.code : null;
  // a coded refusal's `extra` names values (numbers, ids, a login), not form fields
  const fields = code ? [] : parseFieldErrors(body?.extra);
  return new ApiError(response.status, detail, fields, code, body?.extra);
}

async function request<T>(
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const init: RequestInit = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  };
  if (body !== undefined) {
    init.headers = { ...init.headers, "Content-Type": "application/json" };
    init.body = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, init);
  } catch {
    throw new ApiError(0, "");
  }
  if (!response.ok) {
    const error = await toApiError(response);
    if (response.status === 401 && path !== "/auth/login") {
      unauthorizedListeners.forEach((listener) => listener());
    }
    throw error;
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

const enc = encodeURIComponent;

/** `limit` and, for an older page, `before_id`: the newest-first paging of threads and the audit log. */
function pageQuery(
  beforeId: number | undefined,
  limit: number,
): URLSearchParams {
  const query = new URLSearchParams({ limit: String(limit) });
  if (beforeId !== undefined) query.set("before_id", String(beforeId));
  return query;
}

export const api = {
  login: (login: string, password: string) =>
    request<UserRead>("POST", "/auth/login", { login, password }),
  logout: () => request<void>("POST", "/auth/logout"),
  me: () => request<UserRead>("GET", "/auth/me"),

  listEmployees: () => request<Items<EmployeeRead>>("GET", "/employees"),
  createEmployee: (data: EmployeeCreate) =>
    request<EmployeeRead>("POST", "/employees", data),
  updateEmployee: (id: number, data: EmployeeUpdate) =>
    request<EmployeeRead>("PATCH", `/employees/${id}`, data),

  listGroups: () => request<Items<GroupRead>>("GET", "/groups"),
  createGroup: (data: GroupCreate) =>
    request<GroupRead>("POST", "/groups", data),
  updateGroup: (id: number, data: GroupUpdate) =>
    request<GroupRead>("PATCH", `/groups/${id}`, data),
  deleteGroup: (id: number) => request<void>("DELETE", `/groups/${id}`),

  /** a page of the history search (docs/search.md); the query from state/historySearch.searchQuery */
  searchMessages: (query: URLSearchParams) => request<SearchResults>('GET', `/search?${query}`),

  sendMessage: (data: MessageCreate) => request<MessageRead>('POST', '/messages', data),
  /** cancel a scheduled message before its send time (409 once released) */
  cancelMessage: (id: number) => request<MessageRead>('POST', `/messages/${id}/cancel`),
  /** a message with one page of its deliveries: those after delivery `afterId` (the summary counts them all) */
  getMessage: (id: number, afterId = 0, filter: DeliveryFilter = 'all', q = '') => {
    const query = new URLSearchParams();
    if (afterId) query.set('after_id', String(afterId));
    if (filter !== 'all') query.set('filter', filter);
    if (q.trim()) query.set('q', q.trim());
    const suffix = query.size ? `?${query}` : '';
    return request<MessageRead>('GET', `/messages/${id}${suffix}`);
  },
  sendFollowUp: (id: number, text: string, confirmed = false) =>
    request<MessageRead>('POST', `/messages/${id}/follow-up`, { text, confirmed }),
  markAllRead: () => request<{ read: number }>('POST', '/threads/read-all'),

  listContacts: () => request<Items<ContactRead>>('GET', '/contacts'),
  createContact: (data: ContactCreate) => request<ContactRead>('POST', '/contacts', data),
  promoteContact: (id: number, data: ContactPromote) => request<EmployeeRead>('POST', `/contacts/${id}/employee`, data),
  updateContact: (id: number, data: ContactUpdate) => request<ContactRead>('PATCH', `/contacts/${id}`, data),
  resubscribeContact: (id: number, data: ContactResubscribe) =>
    request<ContactRead>('POST', `/contacts/${id}/resubscribe`, data),
  getAccountSettings: () => request<AccountSettings>('GET', '/account/settings'),
  putAccountSettings: (data: AccountSettings) => request<AccountSettings>('PUT', '/account/settings', data),

  listThreads: (cursor: string | null = null) =>
    request<ThreadList>("GET", cursor ? `/threads?cursor=${encodeURIComponent(cursor)}` : "/threads"),
  getThread: (id: number) => request<ThreadRead>("GET", `/threads/${id}`),
  listThreadMessages: (id: number, beforeId?: number, limit = 50) =>
    request<MessagePage>(
      "GET",
      `/threads/${id}/messages?${pageQuery(beforeId, limit)}`,
    ),
  markThreadRead: (id: number, lastMessageId: number) =>
    request<void>("POST", `/threads/${id}/read`, {
      last_message_id: lastMessageId,
    }),

  listTags: () => request<Items<TagCount>>("GET", "/tags"),

  listUsers: () => request<Items<WebUserRead>>("GET", "/users"),
  createUser: (data: WebUserCreate) =>
    request<WebUserRead>("POST", "/users", data),
  updateUser: (id: number, data: WebUserUpdate) =>
    request<WebUserRead>("PATCH", `/users/${id}`, data),
  setApiPassword: (userId: number, password: string) =>
    request<void>("PUT", `/users/${userId}/api_password`, { password }),
  getPermissions: (userId: number) =>
    request<PermissionsRead>("GET", `/users/${userId}/permissions`),
  putPermissions: (userId: number, data: PermissionsUpdate) =>
    request<PermissionsRead>("PUT", `/users/${userId}/permissions`, data),
  previewPermissions: (data: PermissionsUpdate) =>
    request<PermissionsRead>("POST", "/permissions/preview", data),

  listTokens: () => request<Items<TokenRead>>("GET", "/tokens"),
  createToken: (name: string, scopes: TokenScope[]) =>
    request<TokenCreated>("POST", "/tokens", { name, scopes }),
  revokeToken: (id: number) => request<void>("DELETE", `/tokens/${id}`),

  /** start an export of what the user sees under these filters (none: everything); progress comes as export.updated */
  startExport: (filters: SearchFilters) => request<ExportRead>('POST', '/exports', filters),
  getExport: (id: number) => request<ExportRead>('GET', `/exports/${id}`),
  listExports: () => request<ExportRead[]>('GET', '/exports'),
  /** where a finished export downloads from (a plain link: the session cookie goes along) */
  exportFileUrl: (id: number) => `/api/v1/exports/${id}/file`,
  /** the proof of notification of an outbound message, as .xlsx */
  proofUrl: (messageId: number) => `/api/v1/messages/${messageId}/proof.xlsx`,

  listAudit: (beforeId?: number, limit = 50) =>
    request<AuditPage>("GET", `/audit?${pageQuery(beforeId, limit)}`),

  getMail: () => request<MailSettingsRead>("GET", "/mail"),
  putMail: (data: MailSettingsUpdate) =>
    request<MailSettingsRead>("PUT", "/mail", data),
  getWebhooks: () => request<WebhookSettingsRead>("GET", "/webhooks"),
  putWebhooks: (data: WebhookSettingsUpdate) =>
    request<WebhookSettingsRead>("PUT", "/webhooks", data),
  listWebhookCalls: (beforeId?: number, limit = 50) =>
    request<WebhookCallPage>(
      "GET",
      `/webhooks/calls?${pageQuery(beforeId, limit)}`,
    ),

  listAccounts: () => request<Items<AccountRead>>('GET', '/platform/accounts'),
  createAccount: (data: AccountCreate) => request<AccountRead>('POST', '/platform/accounts', data),
  updateAccount: (id: number, data: AccountUpdate) => request<AccountRead>('PATCH', `/platform/accounts/${id}`, data),
  listUnrouted: () => request<UnroutedPage>('GET', '/platform/inbox'),
  assignUnrouted: (id: number, accountId: number) =>
    request<MessageRead>("POST", `/platform/inbox/${id}/assign`, {
      account_id: accountId,
    }),

  getGatewayStatus: () => request<GatewayStatusRead>('GET', '/gateway'),
  getGatewayAlarm: () => request<GatewayAlarmRead>('GET', '/gateway/alarm'),
  listSmppBinds: () => request<Items<SmppBindRead>>('GET', '/gateway/binds'),
  createSmppBind: (data: SmppBindWrite) => request<SmppBindRead>('POST', '/gateway/binds', data),
  updateSmppBind: (id: number, data: SmppBindWrite) => request<SmppBindRead>('PUT', `/gateway/binds/${id}`, data),
  deleteSmppBind: (id: number) => request<void>('DELETE', `/gateway/binds/${id}`),

  listPhones: () => request<Items<SimulatorPhone>>('GET', '/simulator/phones'),
  listPhoneMessages: (phone: string) =>
    request<Items<SimulatorMessage>>(
      "GET",
      `/simulator/phones/${enc(phone)}/messages`,
    ),
  sendInbound: (from: string, text: string) =>
    request<MessageRead | UnroutedRead>('POST', '/simulator/inbound', { from, text }),

  /** deliveries per operator on a UTC day (YYYY-MM-DD; today when absent) */
  listOperatorCounts: (day?: string) =>
    request<OperatorCounts>('GET', '/gateway/operators' + (day ? `?day=${enc(day)}` : '')),
  getHttpProvider: () => request<{ provider: HttpProviderRead | null }>('GET', '/admin/http-provider'),
  setHttpProvider: (data: HttpProviderWrite) => request<HttpProviderRead>('PUT', '/admin/http-provider', data),

  listTemplates: () => request<Items<TemplateRead>>('GET', '/templates'),
  createTemplate: (name: string, body: string) => request<TemplateRead>('POST', '/templates', { name, body }),
  updateTemplate: (id: number, name: string, body: string) =>
    request<TemplateRead>('PATCH', `/templates/${id}`, { name, body }),
  deleteTemplate: (id: number) => request<void>('DELETE', `/templates/${id}`),
  renderTemplate: (id: number, variables: Record<string, string>) =>
    request<TemplateRendered>('POST', `/templates/${id}/render`, { variables }),
  previewTemplate: (body: string, variables: Record<string, string>) =>
    request<TemplateRendered>('POST', '/templates/render', { body, variables }),
};
