/** Hash routes of the app: #/threads/12, #/new, #/directory/groups, #/phones/+7916… */

export type Route =
  | { name: 'threads'; threadId: number | null }
  | { name: 'new' }
  | { name: 'directory'; tab: 'employees' | 'groups' }
  | { name: 'phones'; phone: string | null };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(safeDecode);
  const [head, arg] = parts;
  switch (head) {
    case 'new':
      return { name: 'new' };
    case 'directory':
      return { name: 'directory', tab: arg === 'groups' ? 'groups' : 'employees' };
    case 'phones':
      return { name: 'phones', phone: arg ?? null };
    case 'threads': {
      const id = Number(arg);
      return { name: 'threads', threadId: arg && Number.isInteger(id) && id > 0 ? id : null };
    }
    default:
      return { name: 'threads', threadId: null };
  }
}

export function routeHash(route: Route): string {
  switch (route.name) {
    case 'new':
      return '#/new';
    case 'directory':
      return route.tab === 'groups' ? '#/directory/groups' : '#/directory';
    case 'phones':
      return route.phone ? `#/phones/${encodeURIComponent(route.phone)}` : '#/phones';
    case 'threads':
      return route.threadId ? `#/threads/${route.threadId}` : '#/threads';
  }
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
