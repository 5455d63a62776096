import type { RouteDefinition } from '@aiworker/infra/routes';

export interface HttpFunction {
  /** An HTTP method, or `*` for a function URL that takes every method. */
  method: string;
  path: string;
  handler: string;
  /** The event's routeKey, e.g. `GET /api/tasks/{id}` or `$default` for a function URL. */
  routeKey: string;
}

interface CompiledRoute extends HttpFunction {
  pattern: RegExp;
  names: string[];
}

export type RouteMatch =
  | { kind: 'found'; route: HttpFunction; pathParameters: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: string[] }
  | { kind: 'bad-path'; message: string }
  | { kind: 'not-found' };

export const fromRouteTable = (routes: RouteDefinition[]): HttpFunction[] =>
  routes.map((route) => ({ method: route.method, path: route.path, handler: route.handler, routeKey: `${route.method} ${route.path}` }));

/** Matches paths against `/api/tasks/{id}`-style templates, the way API Gateway does. */
export function createRouter(functions: HttpFunction[]) {
  const compiled: CompiledRoute[] = functions.map((fn) => {
    const names: string[] = [];
    const source = fn.path
      .split('/')
      .map((segment) => {
        const param = /^\{(\w+)\}$/.exec(segment);
        if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(param[1]);
        return '([^/]+)';
      })
      .join('/');
    return { ...fn, names, pattern: new RegExp(`^${source}/?$`) };
  });
  // Literal routes win over templated ones (`/api/openapi.json` before `/api/{x}`), as in API Gateway.
  compiled.sort((a, b) => a.names.length - b.names.length);

  return (method: string, path: string): RouteMatch => {
    const allow: string[] = [];
    for (const route of compiled) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      // HEAD is GET without a body (API Gateway and CloudFront answer it so on AWS): a GET route takes it.
      if (route.method !== '*' && route.method !== method && !(method === 'HEAD' && route.method === 'GET')) {
        allow.push(...(route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]));
        continue;
      }
      const pathParameters: Record<string, string> = {};
      for (const [index, name] of route.names.entries()) {
        const raw = match[index + 1];
        try {
          pathParameters[name] = decodeURIComponent(raw);
        } catch {
          // API Gateway refuses such a path itself; it never reaches a function.
          return { kind: 'bad-path', message: `The path segment '${raw.slice(0, 100)}' is not valid percent-encoded UTF-8` };
        }
      }
      return { kind: 'found', route, pathParameters };
    }
    return allow.length ? { kind: 'method-not-allowed', allow } : { kind: 'not-found' };
  };
}
