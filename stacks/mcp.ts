import { mcpFunction } from '../infra/functions.js';
import { deployableOf, functionArgs, type Linked } from './lambda.js';

/**
 * The MCP function behind its own function URL (sst.dev/docs/component/aws/function: `url`), served by the
 * app's Router at /mcp as well (`url.router`), so agents reach it on the same domain as the board and the API.
 */
export function createMcp(linked: Linked, router: sst.aws.Router): sst.aws.Function {
  return new sst.aws.Function(
    'Mcp',
    functionArgs(deployableOf('mcp'), linked, { url: { router: { instance: router, path: mcpFunction.path } }, timeout: '30 seconds' }),
  );
}
