import { describe, expect, it } from 'vitest';
import { canonicalDraft, draftFrom, hasEditablePermissions, isRestrictedSender, sameDraft, toggleId, userReach } from './permissions';

describe('permission drafts', () => {
  const read = { all: false, groups: [3, 1], employees: [7], tags: ['пожар', 'авария'], resolved: [] };

  it('copies what the server holds', () => {
    const draft = draftFrom(read);
    expect(draft).toEqual({ all: false, groups: [3, 1], employees: [7], tags: ['пожар', 'авария'] });
    draft.groups.push(9);
    expect(read.groups).toEqual([3, 1]);
  });
  it('toggles ids', () => {
    expect(toggleId([1, 2], 2)).toEqual([1]);
    expect(toggleId([1], 2)).toEqual([1, 2]);
  });
  it('compares drafts regardless of order and repeats', () => {
    const a = draftFrom(read);
    const b = { all: false, groups: [1, 3, 3], employees: [7], tags: ['авария', 'пожар'] };
    expect(sameDraft(a, b)).toBe(true);
    expect(sameDraft(a, { ...b, all: true })).toBe(false);
    expect(sameDraft(a, { ...b, groups: [1] })).toBe(false);
    expect(canonicalDraft(b)).toEqual({ all: false, groups: [1, 3], employees: [7], tags: ['авария', 'пожар'] });
  });
});

describe('reach of a user', () => {
  it('is everyone for administrators and unrestricted operators', () => {
    expect(userReach({ role: 'Administrator', may_send_all: false })).toBe('all');
    expect(userReach({ role: 'Operator', may_send_all: true })).toBe('all');
    expect(userReach({ role: 'Operator', may_send_all: false })).toBe('restricted');
    expect(userReach({ role: 'BaseUser', may_send_all: false })).toBe('own');
  });
  it('restricts the composer of an operator without «all recipients» only', () => {
    expect(isRestrictedSender({ role: 'Operator', may_send_all: false })).toBe(true);
    expect(isRestrictedSender({ role: 'Operator', may_send_all: true })).toBe(false);
    expect(isRestrictedSender({ role: 'Operator' })).toBe(false);
    expect(isRestrictedSender({ role: 'Administrator', may_send_all: false })).toBe(false);
  });
  it('lists recipients for operators only', () => {
    expect(hasEditablePermissions('Operator')).toBe(true);
    expect(hasEditablePermissions('Administrator')).toBe(false);
    expect(hasEditablePermissions('BaseUser')).toBe(false);
  });
});
