import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * HEAD answered as GET without a body (RFC 9110 §9.3.2), as API Gateway and CloudFront do in front of the
 * functions on AWS: the handler runs the GET, and the answer keeps its status and headers (ETag, 304 on
 * If-None-Match included) with `Content-Length` the length of the body GET would have sent.
 */
export function headLikeGet<C>(
  run: (event: APIGatewayProxyEventV2, context: C) => Promise<APIGatewayProxyStructuredResultV2>,
): (event: APIGatewayProxyEventV2, context: C) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event, context) => {
    if (event.requestContext?.http?.method?.toUpperCase() !== 'HEAD') return run(event, context);
    const asGet = { ...event, requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method: 'GET' } } };
    const response = await run(asGet, context);
    const body = response.body ?? '';
    const length = Buffer.byteLength(body, response.isBase64Encoded ? 'base64' : 'utf8');
    return { ...response, headers: { ...response.headers, 'content-length': String(length) }, body: '', isBase64Encoded: false };
  };
}
