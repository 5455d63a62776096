import fs from 'node:fs';
import path from 'node:path';
import { contentSecurityPolicy } from '../infra/web.js';

/** The board (issue 13): a static single-page app built into packages/board/dist by its `build` script. */
export const board = { path: 'packages/board', build: { command: 'npm run build', output: 'dist' } };

/** Whether the board's package is in this checkout (it is built and served only then). */
export const hasBoard = () => fs.existsSync(path.join(board.path, 'package.json'));

/**
 * One domain for everything (sst.dev/docs/component/aws/router): CloudFront in front, `/` the board's static
 * build (StaticSite, built on deploy by its own `npm run build`), `/api` the HTTP API (its routes already start
 * with /api, so the path goes through unchanged), `/.well-known` the HTTP API too (it has no such route, so a
 * well-known probe gets API Gateway's 404 JSON rather than the board) and `/mcp` the MCP function (routed
 * from stacks/mcp.ts).
 * Every answer carries the board's Content-Security-Policy (with `frame-ancestors 'none'`), X-Frame-Options,
 * nosniff, a referrer policy and HSTS, from a CloudFront response headers policy on the Router's one cache
 * behaviour (SST's Router takes it through `transform.cdn`).
 */
export function createRouter(): sst.aws.Router {
  const headers = new aws.cloudfront.ResponseHeadersPolicy('WebSecurityHeaders', {
    comment: 'aiworker board: CSP, frame-ancestors none, nosniff, HSTS',
    securityHeadersConfig: {
      contentSecurityPolicy: { contentSecurityPolicy, override: true },
      frameOptions: { frameOption: 'DENY', override: true },
      contentTypeOptions: { override: true },
      referrerPolicy: { referrerPolicy: 'strict-origin-when-cross-origin', override: true },
      strictTransportSecurity: { accessControlMaxAgeSec: 31_536_000, includeSubdomains: true, override: true },
    },
  });
  return new sst.aws.Router('Web', {
    transform: {
      cdn: (args) => {
        args.defaultCacheBehavior = $util.all([$output(args.defaultCacheBehavior), headers.id]).apply(([behavior, id]) => ({ ...behavior, responseHeadersPolicyId: id }));
      },
    },
  });
}

export function routeWeb(router: sst.aws.Router, api: sst.aws.ApiGatewayV2): sst.aws.StaticSite | undefined {
  router.route('/api', api.url);
  // Well-known URIs (RFC 8615) are the API's, not the board's: an MCP client probing
  // /.well-known/oauth-protected-resource must get a 404, not the board's index.html.
  router.route('/.well-known', api.url);
  if (!hasBoard()) return undefined;
  return new sst.aws.StaticSite('Board', { path: board.path, build: board.build, router: { instance: router } });
}
