import fs from 'node:fs';
import path from 'node:path';

/** The board (issue 13): a static single-page app built into packages/board/dist by its `build` script. */
export const board = { path: 'packages/board', build: { command: 'npm run build', output: 'dist' } };

/** Whether the board's package is in this checkout (it is built and served only then). */
export const hasBoard = () => fs.existsSync(path.join(board.path, 'package.json'));

/**
 * One domain for everything (sst.dev/docs/component/aws/router): CloudFront in front, `/` the board's static
 * build (StaticSite, built on deploy by its own `npm run build`), `/api` the HTTP API (its routes already start
 * with /api, so the path goes through unchanged) and `/mcp` the MCP function (routed from stacks/mcp.ts).
 */
export function createRouter(): sst.aws.Router {
  return new sst.aws.Router('Web');
}

export function routeWeb(router: sst.aws.Router, api: sst.aws.ApiGatewayV2): sst.aws.StaticSite | undefined {
  router.route('/api', api.url);
  if (!hasBoard()) return undefined;
  return new sst.aws.StaticSite('Board', { path: board.path, build: board.build, router: { instance: router } });
}
