import { useEffect, useState } from 'react';

// Hash routing (`#/tasks/42`): works the same from file:// in Electron and over
// HTTP, and needs no router library.

export const PAGES = ['overview', 'attention', 'sessions', 'tasks', 'workflows', 'errors', 'projects', 'config', 'alerts'] as const;
export type Page = (typeof PAGES)[number];

export interface Route {
  page: Page;
  /** What follows the page: a task id, a session id, a config path, a run id. */
  id: string | null;
  /** `#/tasks?status=pending`: a view's starting filters. */
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/');
  const page = (PAGES as readonly string[]).includes(parts[0] ?? '') ? (parts[0] as Page) : 'overview';
  const rest = parts.slice(1).join('/');
  return { page, id: rest ? decodeURIComponent(rest) : null, query: new URLSearchParams(search) };
}

export function routeHref(page: Page, id?: string | number | null): string {
  return id === undefined || id === null ? `#/${page}` : `#/${page}/${encodeURIComponent(String(id))}`;
}

export function navigate(page: Page, id?: string | number | null): void {
  location.hash = routeHref(page, id);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
