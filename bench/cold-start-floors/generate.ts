import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Deployable } from '../../stacks/deployables.js';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * `stack`: the same floor on the libraries this project's functions are built on, none of its own code —
 * middy with its header normalizer around the handler (REST), Powertools' batch processor (the worker), zod/mini
 * checking the event, Powertools' Logger and Metrics loaded (as core's telemetry loads them; neither writes),
 * and a DynamoDB DocumentClient made over the bare client. The recorded calls are already on the wire's
 * terms, so they go through the bare client, and what they read is turned into plain objects with
 * `unmarshall`, as the DocumentClient turns every answer; a REST floor then answers with those objects as
 * JSON, as a function answers with what it read (the board answers with 1,000 tasks and more, where the
 * bare floor answers with a count). What a function costs over it is its own code.
 */
export type FloorLibraries = 'bare' | 'stack';

/**
 * The cold-start floor of one function, as a source file to bundle with the same esbuild settings: a handler
 * that creates the bare SDK's client of each service the function called (and only those) and sends exactly
 * the calls it recorded (bench/call-recorder.ts), importing only the commands they use — so the floor loads
 * what such a function must load, no more (one that made no call creates the DynamoDB client and sends nothing). For the MCP function the floor is a bare SDK-v2 MCP server, as
 * the SDK's documentation shows it (a server per request, one tool, the SDK's stateless handling of 2025-era
 * requests), answering the same request after the same calls. Files with the same calls are shared.
 */
export function floorFor(targets: string[], mcp: boolean, libraries: FloorLibraries = 'bare', kind: Deployable['kind'] = 'rest'): Deployable {
  const stack = libraries === 'stack' && !mcp;
  const used = [...new Set(targets)].sort();
  const dynamo = used.filter((target) => target.startsWith('DynamoDB')).map((target) => target.split('.').pop()!);
  // A function whose first request makes no call still works with the SDK (the issue's "with the bare SDK"):
  // its floor loads the DynamoDB client and makes it, and sends nothing.
  const bareClient = (used.length === 0 || stack) && !mcp;
  const sqs = used.filter((target) => target.startsWith('AmazonSQS')).map((target) => target.split('.').pop()!);
  const lines = [`import { replay, type ReplayCalls } from '../replay.js';`];
  if (dynamo.length || bareClient) lines.push(`import { ${['DynamoDBClient', ...dynamo.map((name) => `${name}Command`)].join(', ')} } from '@aws-sdk/client-dynamodb';`);
  if (sqs.length) lines.push(`import { SQSClient, ${sqs.map((name) => `${name}Command`).join(', ')} } from '@aws-sdk/client-sqs';`);
  if (mcp) {
    lines.push(
      `import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';`,
      `import * as z from 'zod';`,
      `import { fromWebResponse, toWebRequest } from '../../../functions/lib/web-request.js';`,
    );
  }
  if (stack) {
    lines.push(
      `import middy from '@middy/core';`,
      `import httpHeaderNormalizer from '@middy/http-header-normalizer';`,
      `import * as z from 'zod/mini';`,
      `import { Logger } from '@aws-lambda-powertools/logger';`,
      `import { Metrics } from '@aws-lambda-powertools/metrics';`,
      `import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';`,
      `import { unmarshall } from '@aws-sdk/util-dynamodb';`,
    );
    if (kind === 'worker') lines.push(`import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';`);
  }
  const commands = [
    ...dynamo.map((name) => `'DynamoDB_20120810.${name}': (body) => dynamo.send(new ${name}Command(body as never)),`),
    ...sqs.map((name) => `'AmazonSQS.${name}': (body) => sqs.send(new ${name}Command(body as never)),`),
  ];
  const name = stack ? 'replayCalls' : 'handler';
  lines.push(
    '',
    '// biome-ignore lint/suspicious/noExplicitAny: the event is a recorded replay (and, for MCP, a function-URL event)',
    `${stack ? 'const' : 'export const'} ${name} = async (event: any) => {`,
    stack ? '  recorded.parse(event);' : '',
    dynamo.length || bareClient ? '  const dynamo = new DynamoDBClient({});' : '',
    stack ? '  DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });' : bareClient ? '  void dynamo;' : '',
    sqs.length ? '  const sqs = new SQSClient({});' : '',
    `  const commands: Record<string, (body: unknown) => Promise<unknown>> = {${commands.join(' ')}};`,
    stack ? '  const read: Record<string, unknown>[] = [];' : '',
    stack
      ? '  const done = await replay(event.replay as ReplayCalls, (target, body) => commands[target](body).then((output) => void read.push(...itemsOf(output))));'
      : '  const done = await replay(event.replay as ReplayCalls, (target, body) => commands[target](body));',
  );
  if (mcp) {
    lines.push(
      '  const handle = createMcpHandler(',
      '    () => {',
      "      const server = new McpServer({ name: 'bare', version: '1.0.0' });",
      "      server.registerTool('get_next_task', { inputSchema: z.object({ projectId: z.string().optional() }) }, async () => ({ content: [{ type: 'text', text: 'none' }] }));",
      '      return server;',
      '    },',
      "    { legacy: 'stateless' },",
      '  );',
      '  return fromWebResponse(await handle.fetch(toWebRequest(event)));',
    );
  } else if (stack && kind === 'rest') {
    lines.push("  return { ...done, statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ success: true, data: read }) };");
  } else lines.push('  return done;');
  lines.push('};', '');
  if (stack) {
    lines.push(
      '/** The recorded calls, checked as a handler checks its input. */',
      'const recorded = z.object({ replay: z.array(z.object({ target: z.string(), body: z.unknown(), after: z.optional(z.number()) })) });',
      '/** Loaded as core loads them (neither is made until something is written). */',
      'export const telemetry = [Logger, Metrics];',
      '/** The items an answer carries, as plain objects (what the DocumentClient does with every answer). */',
      '// biome-ignore lint/suspicious/noExplicitAny: an SDK answer of any command',
      'const itemsOf = (output: any): Record<string, unknown>[] =>',
      '  [...(output?.Items ?? []), ...(output?.Item ? [output.Item] : []), ...(output?.Attributes ? [output.Attributes] : []), ...Object.values(output?.Responses && !Array.isArray(output.Responses) ? output.Responses : {}).flat()].map((item) => unmarshall(item as never));',
    );
    if (kind === 'worker') {
      lines.push(
        '// biome-ignore lint/suspicious/noExplicitAny: a replay event',
        'export const handler = async (event: any) => {',
        '  let done: Awaited<ReturnType<typeof replayCalls>> | undefined;',
        '  const records = [{ messageId: "floor", body: "{}", receiptHandle: "floor", attributes: {}, messageAttributes: {}, md5OfBody: "", eventSource: "aws:sqs", eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:floor", awsRegion: "us-east-1" }];',
        '  // biome-ignore lint/suspicious/noExplicitAny: the record above is an SQS record',
        '  const batch = await processPartialResponse({ Records: records } as any, async () => void (done = await replayCalls(event)), new BatchProcessor(EventType.SQS), { throwOnFullBatchFailure: false });',
        '  return { ...done, batchItemFailures: batch.batchItemFailures };',
        '};',
      );
    } else if (kind === 'rest') lines.push('export const handler = middy(replayCalls).use(httpHeaderNormalizer());');
    else lines.push('export const handler = replayCalls;');
    lines.push('');
  }
  const source = lines.filter((line, i) => line !== '' || i === 0 || lines[i - 1] !== '').join('\n');
  const id = `floor-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`;
  mkdirSync(join(here, 'generated'), { recursive: true });
  writeFileSync(join(here, 'generated', `${id}.ts`), source);
  return { id: `bench-cold-${id}`, kind: 'rest', handler: `bench/cold-start-floors/generated/${id}` };
}
