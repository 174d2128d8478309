/** The current hash route, reactive; navigate() changes it. */
import { parseRoute, routeHash, type Route } from '../state/route';

let current = $state<Route>(parseRoute(location.hash));

window.addEventListener('hashchange', () => {
  current = parseRoute(location.hash);
});

export const router = {
  get route(): Route {
    return current;
  },
};

export function navigate(route: Route): void {
  const hash = routeHash(route);
  if (location.hash !== hash) location.hash = hash;
  current = route;
}

export { routeHash };
