import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { receiveGiteaWebhook } from '@aiworker/core';
import { giteaDelivery } from '../../lib/gitea-delivery.js';
import { errorResponse } from '../../lib/errors.js';
import { json } from '../../lib/json.js';

/** Gitea's webhooks: the signature is checked and the headers read first (lib/gitea-delivery.ts), then core applies the delivery. */
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(httpHeaderNormalizer())
  .use({ onError: (request) => void (request.response = errorResponse(request.error)) })
  .handler(async (event) => json(200, { success: true, data: await receiveGiteaWebhook(giteaDelivery(event)) }));
