/** Hash routes of the app: #/threads/12, #/new, #/directory/groups, #/phones/+7916…, #/users/5, #/tokens, #/audit, #/accounts, #/inbox, #/gateway, #/templates */

export type Route =
  | { name: 'threads'; threadId: number | null }
  | { name: 'new' }
  | { name: 'directory'; tab: 'employees' | 'groups' | 'contacts' }
  | { name: 'phones'; phone: string | null }
  | { name: 'users'; userId: number | null }
  | { name: 'tokens' }
  | { name: 'audit' }
  | { name: 'accounts' }
  | { name: 'inbox' }
  | { name: 'provider' }
  | { name: 'settings' }
  | { name: 'integrations' }
  | { name: 'gateway' }
  | { name: 'templates' };

/** A positive integer id from a route part, else null. */
function routeId(part: string | undefined): number | null {
  const id = Number(part);
  return part && Number.isInteger(id) && id > 0 ? id : null;
}

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(safeDecode);
  const [head, arg] = parts;
  switch (head) {
    case 'new':
      return { name: 'new' };
    case 'directory':
      return { name: 'directory', tab: arg === 'groups' || arg === 'contacts' ? arg : 'employees' };
    case 'phones':
      return { name: 'phones', phone: arg ?? null };
    case 'users':
      return { name: 'users', userId: routeId(arg) };
    case 'tokens':
    case 'audit':
    case 'accounts':
    case 'inbox':
    case 'provider':
    case 'settings':
    case 'integrations':
    case 'gateway':
    case 'templates':
      return { name: head };
    case 'threads':
      return { name: 'threads', threadId: routeId(arg) };
    default:
      return { name: 'threads', threadId: null };
  }
}

export function routeHash(route: Route): string {
  switch (route.name) {
    case 'new':
      return '#/new';
    case 'directory':
      return route.tab === 'employees' ? '#/directory' : `#/directory/${route.tab}`;
    case 'phones':
      return route.phone ? `#/phones/${encodeURIComponent(route.phone)}` : '#/phones';
    case 'threads':
      return route.threadId ? `#/threads/${route.threadId}` : '#/threads';
    case 'users':
      return route.userId ? `#/users/${route.userId}` : '#/users';
    case 'tokens':
    case 'audit':
    case 'accounts':
    case 'inbox':
    case 'provider':
    case 'settings':
    case 'integrations':
    case 'gateway':
    case 'templates':
      return `#/${route.name}`;
  }
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
