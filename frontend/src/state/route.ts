/** Hash routes of the app: #/threads/12, #/threads/12/m/345 (a message in it), #/search, #/new, #/directory/groups, #/phones/+7916…, #/users/5, #/tokens, #/audit, #/accounts, #/inbox, #/gateway, #/templates, #/exports */

export type Route =
  | { name: 'threads'; threadId: number | null; messageId?: number | null }
  | { name: 'search' }
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
  | { name: 'templates' }
  | { name: 'exports' };

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
    case 'exports':
      return { name: head };
    case 'threads': {
      const threadId = routeId(arg);
      const messageId = threadId !== null && parts[2] === 'm' ? routeId(parts[3]) : null;
      return messageId === null ? { name: 'threads', threadId } : { name: 'threads', threadId, messageId };
    }
    case 'search':
      return { name: 'search' };
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
      if (route.threadId && route.messageId) return `#/threads/${route.threadId}/m/${route.messageId}`;
      return route.threadId ? `#/threads/${route.threadId}` : '#/threads';
    case 'search':
      return '#/search';
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
    case 'exports':
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
