import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDynamoDbLocal } from '../packages/local/src/emulators/dynamodb.js';
import { startSqsEmulator } from '../packages/local/src/emulators/sqs.js';
import { startRuntime } from '../packages/local/src/runtime.js';
import { benchApiOverhead } from './api-overhead.js';
import type { Figure } from './stats.js';

/** `npm run bench`: every figure against its floor, measured in one run on the embedded emulators. */
async function main() {
  const dynamo = await startDynamoDbLocal();
  const sqs = await startSqsEmulator();
  const runtime = await startRuntime({ port: 0, dynamoEndpoint: dynamo.endpoint, sqsEndpoint: sqs.endpoint, tableName: 'bench', adminToken: 'adm_bench' });
  const figures: Figure[] = [];
  try {
    const sections: Array<[string, () => Promise<Figure[]>]> = [['API overhead', () => benchApiOverhead(runtime.adminToken, runtime.tableName)]];
    for (const [name, run] of sections) {
      console.error(`… ${name}`);
      figures.push(...(await run()));
    }
  } finally {
    await runtime.stop();
    await sqs.stop();
    await dynamo.stop();
  }
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ measuredAt: new Date().toISOString(), node: process.version, figures }, null, 2)}\n`);
  console.table(figures.map(({ name, value, floor, unit, ratio, target, met }) => ({ name, value, floor, unit, ratio, target: target ?? '', met: met ?? '' })));
  console.log(`written ${out}`);
}

void main();
