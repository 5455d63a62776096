import { deployableOf, functionArgs, type Linked } from './lambda.js';

/** The MCP function behind its own function URL (sst.dev/docs/component/aws/function: `url: true`). */
export function createMcp(linked: Linked): SstFunction {
  return new sst.aws.Function('Mcp', functionArgs(deployableOf('mcp'), linked, { url: true, timeout: '30 seconds' }));
}
