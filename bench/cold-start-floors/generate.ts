import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Deployable } from '../../stacks/deployables.js';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The cold-start floor of one function, as a source file to bundle with the same esbuild settings: a handler
 * that creates the bare SDK's client of each service the function called (and only those) and sends exactly
 * the calls it recorded (bench/call-recorder.ts), importing only the commands they use — so the floor loads
 * what such a function must load, no more (one that made no call creates the DynamoDB client and sends nothing). For the MCP function the floor is a bare SDK-v2 MCP server, as
 * the SDK's documentation shows it (a server per request, one tool, the SDK's stateless handling of 2025-era
 * requests), answering the same request after the same calls. Files with the same calls are shared.
 */
export function floorFor(targets: string[], mcp: boolean): Deployable {
  const used = [...new Set(targets)].sort();
  const dynamo = used.filter((target) => target.startsWith('DynamoDB')).map((target) => target.split('.').pop()!);
  // A function whose first request makes no call still works with the SDK (the issue's "with the bare SDK"):
  // its floor loads the DynamoDB client and makes it, and sends nothing.
  const bareClient = used.length === 0 && !mcp;
  const sqs = used.filter((target) => target.startsWith('AmazonSQS')).map((target) => target.split('.').pop()!);
  const lines = [`import { replay, type ReplayGroups } from '../replay.js';`];
  if (dynamo.length || bareClient) lines.push(`import { ${['DynamoDBClient', ...dynamo.map((name) => `${name}Command`)].join(', ')} } from '@aws-sdk/client-dynamodb';`);
  if (sqs.length) lines.push(`import { SQSClient, ${sqs.map((name) => `${name}Command`).join(', ')} } from '@aws-sdk/client-sqs';`);
  if (mcp) {
    lines.push(
      `import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';`,
      `import * as z from 'zod';`,
      `import { fromWebResponse, toWebRequest } from '../../../functions/lib/web-request.js';`,
    );
  }
  const commands = [
    ...dynamo.map((name) => `'DynamoDB_20120810.${name}': (body) => dynamo.send(new ${name}Command(body as never)),`),
    ...sqs.map((name) => `'AmazonSQS.${name}': (body) => sqs.send(new ${name}Command(body as never)),`),
  ];
  lines.push(
    '',
    '// biome-ignore lint/suspicious/noExplicitAny: the event is a recorded replay (and, for MCP, a function-URL event)',
    'export const handler = async (event: any) => {',
    dynamo.length || bareClient ? '  const dynamo = new DynamoDBClient({});' : '',
    bareClient ? '  void dynamo;' : '',
    sqs.length ? '  const sqs = new SQSClient({});' : '',
    `  const commands: Record<string, (body: unknown) => Promise<unknown>> = {${commands.join(' ')}};`,
    '  const done = await replay(event.groups as ReplayGroups, (target, body) => commands[target](body));',
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
  } else lines.push('  return done;');
  lines.push('};', '');
  const source = lines.filter((line, i) => line !== '' || i === 0 || lines[i - 1] !== '').join('\n');
  const id = `floor-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`;
  mkdirSync(join(here, 'generated'), { recursive: true });
  writeFileSync(join(here, 'generated', `${id}.ts`), source);
  return { id: `bench-cold-${id}`, kind: 'rest', handler: `bench/cold-start-floors/generated/${id}` };
}
