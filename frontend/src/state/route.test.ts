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
  });
  it('round-trips', () => {
    const routes: Route[] = [
      { name: 'threads', threadId: 3 },
      { name: 'new' },
      { name: 'directory', tab: 'employees' },
      { name: 'phones', phone: '+79161234567' },
    ];
    for (const route of routes) expect(parseRoute(routeHash(route))).toEqual(route);
  });
});
