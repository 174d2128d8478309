import { describe, expect, it } from 'vitest';
import { parseRoute, routeHash, type Route } from './route';

describe('routes', () => {
  it('parses every page', () => {
    expect(parseRoute('')).toEqual({ name: 'threads', threadId: null });
    expect(parseRoute('#/threads/12')).toEqual({ name: 'threads', threadId: 12 });
    expect(parseRoute('#/threads/abc')).toEqual({ name: 'threads', threadId: null });
    expect(parseRoute('#/new')).toEqual({ name: 'new' });
    expect(parseRoute('#/directory/groups')).toEqual({ name: 'directory', tab: 'groups' });
    expect(parseRoute('#/phones/%2B79161234567')).toEqual({ name: 'phones', phone: '+79161234567' });
    expect(parseRoute('#/users')).toEqual({ name: 'users', userId: null });
    expect(parseRoute('#/users/7')).toEqual({ name: 'users', userId: 7 });
    expect(parseRoute('#/users/0')).toEqual({ name: 'users', userId: null });
    expect(parseRoute('#/tokens')).toEqual({ name: 'tokens' });
    expect(parseRoute('#/audit')).toEqual({ name: 'audit' });
    expect(parseRoute('#/accounts')).toEqual({ name: 'accounts' });
    expect(parseRoute('#/inbox')).toEqual({ name: 'inbox' });
    expect(parseRoute('#/gateway')).toEqual({ name: 'gateway' });
    expect(parseRoute('#/templates')).toEqual({ name: 'templates' });
  });
  it('round-trips', () => {
    const routes: Route[] = [
      { name: 'threads', threadId: 3 },
      { name: 'new' },
      { name: 'directory', tab: 'employees' },
      { name: 'phones', phone: '+79161234567' },
      { name: 'users', userId: null },
      { name: 'users', userId: 4 },
      { name: 'tokens' },
      { name: 'audit' },
      { name: 'accounts' },
      { name: 'inbox' },
      { name: 'gateway' },
      { name: 'templates' },
    ];
    for (const route of routes) expect(parseRoute(routeHash(route))).toEqual(route);
  });
});
