/** The permissions editor's draft: «all recipients», or listed groups, employees and tags. */
import type { PermissionsRead, PermissionsUpdate, Role, UserRead, WebUserRead } from '../api/types';

export type PermissionDraft = PermissionsUpdate;

export function draftFrom(read: Pick<PermissionsRead, 'all' | 'groups' | 'employees' | 'tags'>): PermissionDraft {
  return { all: read.all, groups: [...read.groups], employees: [...read.employees], tags: [...read.tags] };
}

/** The list with `id` added, or removed when it was there. */
export function toggleId(ids: number[], id: number): number[] {
  return ids.includes(id) ? ids.filter((other) => other !== id) : [...ids, id];
}

/** The draft with sorted lists: two drafts that allow the same are equal as JSON. */
export function canonicalDraft(draft: PermissionDraft): PermissionDraft {
  const numbers = (ids: number[]) => [...new Set(ids)].sort((a, b) => a - b);
  return {
    all: draft.all,
    groups: numbers(draft.groups),
    employees: numbers(draft.employees),
    tags: [...new Set(draft.tags)].sort(),
  };
}

export function sameDraft(a: PermissionDraft, b: PermissionDraft): boolean {
  return JSON.stringify(canonicalDraft(a)) === JSON.stringify(canonicalDraft(b));
}

/** Whom a user may send to: everyone, a restricted list, or nobody (a BaseUser only answers in their own thread). */
export type Reach = 'all' | 'restricted' | 'own';

export function userReach(user: Pick<WebUserRead, 'role' | 'may_send_all'>): Reach {
  if (user.role === 'Administrator') return 'all';
  if (user.role === 'BaseUser') return 'own';
  return user.may_send_all ? 'all' : 'restricted';
}

/** Whether the signed-in user may reach only permitted recipients (no raw numbers in the composer). */
export function isRestrictedSender(me: Pick<UserRead, 'role' | 'may_send_all'>): boolean {
  return me.role === 'Operator' && me.may_send_all === false;
}

/** Roles whose recipients the editor lists; an Administrator always reaches everyone. */
export function hasEditablePermissions(role: Role): boolean {
  return role === 'Operator';
}
