import { deployables } from './deployables.js';
import { functionArgs, type Linked } from './lambda.js';

/**
 * The HTTP API: one function per route of infra/routes.ts (sst.dev/docs/component/aws/apigatewayv2:
 * `api.route('GET /api/tasks/{id}', { handler, link, ... })`). HTTP APIs invoke Lambda with payload
 * format 2.0, the event the handlers take (and the one function URLs send too).
 */
/**
 * API Gateway's throttling on the stage, in front of the per-address limits the handlers keep (sign-in
 * starts, token exchanges, unknown tokens: packages/core/src/auth/rate-limits.ts): past it, API Gateway
 * answers 429 itself and no function runs. Requests per second across all clients, and the burst above it.
 */
export const apiThrottling = { throttlingRateLimit: 200, throttlingBurstLimit: 400 };

export function createApi(linked: Linked): sst.aws.ApiGatewayV2 {
  const api = new sst.aws.ApiGatewayV2('Api', {
    transform: {
      stage: (args) => {
        args.defaultRouteSettings = { ...apiThrottling };
      },
    },
  });
  for (const fn of deployables()) {
    if (fn.kind !== 'rest' || !fn.route) continue;
    api.route(`${fn.route.method} ${fn.route.path}`, functionArgs(fn, linked, { description: fn.route.summary }));
  }
  return api;
}
