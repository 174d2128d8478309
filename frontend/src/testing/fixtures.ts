/** Small builders for API objects used by the unit tests. */
import type { DeliveryRead, EmployeeRead, GroupRead, MessageRead, ThreadRead } from '../api/types';

export function message(overrides: Partial<MessageRead> = {}): MessageRead {
  return {
    id: 1,
    direction: 'out',
    text: 'hello',
    parts: 1,
    encoding: 'GSM-7',
    created_at: '2026-11-01T10:00:00Z',
    author_name: 'Admin',
    sender_phone: null,
    employee_id: null,
    employee_name: null,
    reply_to_id: null,
    summary: { total: 0, counts: {} },
    deliveries: null,
    ...overrides,
  };
}

export function delivery(overrides: Partial<DeliveryRead> = {}): DeliveryRead {
  return {
    id: 1,
    phone: '+79161234567',
    employee_id: 1,
    employee_name: 'Иван',
    status: 'Pending',
    updated_at: '2026-11-01T10:00:00Z',
    error: null,
    possible_duplicate: false,
    ...overrides,
  };
}

export function thread(overrides: Partial<ThreadRead> = {}): ThreadRead {
  return {
    id: 1,
    kind: 'employee',
    ref_id: 1,
    title: 'Иван',
    color: null,
    last_message: null,
    last_activity_at: null,
    unread: 0,
    ...overrides,
  };
}

export function employee(overrides: Partial<EmployeeRead> = {}): EmployeeRead {
  return {
    id: 1,
    name: 'Иванов',
    phone: '+79161000001',
    email: null,
    position: null,
    active: true,
    group_ids: [],
    web_access: false,
    role: null,
    login: null,
    operator: 'MTS',
    reply_capable: true,
    tags: [],
    ...overrides,
  };
}

export function group(overrides: Partial<GroupRead> = {}): GroupRead {
  return { id: 1, name: 'Монтажники', color: '#aa3300', parent_id: null, member_ids: [], member_count: 0, ...overrides };
}
