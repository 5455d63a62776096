import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../packages/core/src/db/client.js';
import { createProject, createTask } from '../packages/core/src/index.js';
import { httpEventV2, lambdaContext } from '../packages/local/src/lambda-events.js';
import { loadHandler } from '../packages/local/src/handler-loader.js';
import { figure, percentile, timeEach, type Figure } from './stats.js';

const ITERATIONS = Number(process.env.BENCH_API_ITERATIONS ?? 2000);

/** `GET /api/tasks/{id}` and `POST /api/tasks` invoked in-process vs. the bare DynamoDB call each needs. */
export async function benchApiOverhead(adminToken: string, tableName: string): Promise<Figure[]> {
  const project = await createProject({ name: 'bench', giteaOwner: 'bench', giteaRepo: 'bench', defaultBranch: 'main' });
  const task = await createTask({ projectId: project.id, title: 'bench task', priority: 50 });
  const getHandler = await loadHandler('functions/api/tasks/get');
  const createHandler = await loadHandler('functions/api/tasks/create');
  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', host: 'bench' };
  const getEvent = () =>
    httpEventV2({ method: 'GET', url: new URL(`http://bench/api/tasks/${task.id}`), headers, body: Buffer.alloc(0), routeKey: 'GET /api/tasks/{id}', pathParameters: { id: task.id } });
  const createEvent = () =>
    httpEventV2({ method: 'POST', url: new URL('http://bench/api/tasks'), headers, body: Buffer.from(JSON.stringify({ projectId: project.id, title: 'created in bench' })), routeKey: 'POST /api/tasks' });
  const bareGet = () => documentClient().send(new GetCommand({ TableName: tableName, Key: { pk: `TASK#${task.id}`, sk: 'TASK' }, ConsistentRead: true }));

  const warm = async () => {
    for (let i = 0; i < 200; i++) {
      await bareGet();
      await getHandler(getEvent(), lambdaContext('bench'));
    }
  };
  await warm();
  // Interleave runs so drift on a shared machine hits both sides alike.
  const handlerSamples: number[] = [];
  const bareSamples: number[] = [];
  for (let round = 0; round < 4; round++) {
    bareSamples.push(...(await timeEach(ITERATIONS / 4, bareGet)));
    handlerSamples.push(...(await timeEach(ITERATIONS / 4, async () => {
      const result = await getHandler(getEvent(), lambdaContext('bench'));
      if (result.statusCode !== 200) throw new Error(`GET failed: ${result.body}`);
    })));
  }
  // POST /api/tasks needs a GetItem (project exists) and a TransactWrite (task + event); its floor is those two calls bare.
  const createSamples: number[] = [];
  const createFloor: number[] = [];
  const { TransactWriteCommand } = await import('@aws-sdk/lib-dynamodb');
  for (let round = 0; round < 4; round++) {
    createFloor.push(...(await timeEach(ITERATIONS / 8, async (i) => {
      await documentClient().send(new GetCommand({ TableName: tableName, Key: { pk: `PROJECT#${project.id}`, sk: 'PROJECT' }, ConsistentRead: true }));
      await documentClient().send(new TransactWriteCommand({ TransactItems: [
        { Put: { TableName: tableName, Item: { pk: `BENCH#${round}#${i}`, sk: 'TASK', title: 'x' }, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { TableName: tableName, Item: { pk: `BENCH#${round}#${i}`, sk: 'EVENT', title: 'x' } } },
      ] }));
    })));
    createSamples.push(...(await timeEach(ITERATIONS / 8, async () => {
      const result = await createHandler(createEvent(), lambdaContext('bench'));
      if (result.statusCode !== 201) throw new Error(`POST failed: ${result.body}`);
    })));
  }
  const stats = (samples: number[]) => ({ p50: percentile(samples, 50), p99: percentile(samples, 99) });
  const get = stats(handlerSamples);
  const bare = stats(bareSamples);
  const create = stats(createSamples);
  const createBare = stats(createFloor);
  return [
    figure('api GET /api/tasks/{id} p50', get.p50, bare.p50, 'ms', { max: 1.2 }, { p99: get.p99, floorP99: bare.p99, floorIs: 'GetItem' }),
    figure('api GET /api/tasks/{id} p99', get.p99, bare.p99, 'ms'),
    figure('api POST /api/tasks p50', create.p50, createBare.p50, 'ms', { max: 1.2 }, { p99: create.p99, floorP99: createBare.p99, floorIs: 'GetItem + TransactWriteItems' }),
    figure('api POST /api/tasks p99', create.p99, createBare.p99, 'ms'),
  ];
}
