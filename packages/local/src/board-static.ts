import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { contentSecurityPolicy } from '@aiworker/infra/web';
import { boardDist } from './board-build.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

/**
 * The board's static files at `/`, as a CDN or S3 would serve them on AWS: hashed assets cached for good,
 * index.html always revalidated, and any other path without an extension answered with index.html (the
 * board routes on the client). Returns false for what is not the board's (`/api`, `/mcp`, `/.well-known`).
 */
export function serveBoard(req: IncomingMessage, res: ServerResponse, pathname: string, dist = boardDist): boolean {
  const method = (req.method ?? 'GET').toUpperCase();
  if (pathname === '/api' || pathname.startsWith('/api/') || pathname === '/mcp' || pathname.startsWith('/mcp/')) return false;
  // Not the board's either: well-known URIs (RFC 8615). An MCP client probes /.well-known/oauth-protected-resource
  // and /.well-known/oauth-authorization-server; the board's index.html there would send it into an OAuth flow
  // instead of the 404 that makes it fall back to the bearer token.
  if (pathname === '/.well-known' || pathname.startsWith('/.well-known/')) return false;
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (!existsSync(join(dist, 'index.html'))) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('The board is not built: run `npm run build -w @aiworker/board` (npm start does it when missing).\n');
    return true;
  }
  let relative: string;
  try {
    relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
  } catch {
    relative = '';
  }
  let file = join(dist, relative);
  if (!file.startsWith(dist + sep) || !existsSync(file) || !statSync(file).isFile()) {
    if (extname(pathname)) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`No file at ${pathname}\n`);
      return true;
    }
    file = join(dist, 'index.html');
  }
  const immutable = file.startsWith(join(dist, 'assets') + sep);
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(file.endsWith('.html') ? { 'content-security-policy': contentSecurityPolicy } : {}),
  });
  if (method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
  return true;
}
