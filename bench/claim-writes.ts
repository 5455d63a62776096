/**
 * Where a claim's time goes (section `claim-writes`, context for the claims section; no targets): each of
 * the claim's two writes alone — core's own update expressions on real task and agent items — against the
 * floor (the conditional UpdateItem on a plain item), and two floor writes side by side, all at
 * BENCH_CLAIM_WRITES_CONCURRENCY in flight, in BENCH_CLAIM_WRITES_ROUNDS rounds that alternate the kinds so
 * that a shared machine's drift falls on all alike.
 */
import { BatchWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../packages/core/src/db/client.js';
import { assignAgentUpdate } from '../packages/core/src/db/agent-repository.js';
import { createProject, createTask, registerAgent } from '../packages/core/src/index.js';
import { claimTaskUpdate } from '../packages/core/src/db/claim-repository.js';
import type { BenchContext } from './context.js';
import { inParallel, seconds } from './pool.js';
import { figure, round, type Figure } from './stats.js';

const PER_ROUND = Number(process.env.BENCH_CLAIM_WRITES ?? 300);
const ROUNDS = Number(process.env.BENCH_CLAIM_WRITES_ROUNDS ?? 4);
const CONCURRENCY = Number(process.env.BENCH_CLAIM_WRITES_CONCURRENCY ?? 64);

export async function benchClaimWrites(ctx: BenchContext): Promise<Figure[]> {
  const total = PER_ROUND * ROUNDS;
  const project = await createProject({ name: 'claim writes', giteaOwner: 'bench', giteaRepo: 'claim-writes', defaultBranch: 'main' });
  // Tasks for two kinds of task write, agents for the agent write; plain items for the floor and the pairs.
  const tasks: string[] = [];
  await inParallel(3 * total, 16, async (i) => void (tasks[i] = (await createTask({ projectId: project.id, title: `claim write ${i}`, priority: 50 })).id));
  const agents: string[] = [];
  await inParallel(2 * total, 16, async (i) => void (agents[i] = (await registerAgent({ name: `claim-writer-${i}`, capabilities: [] })).id));
  const prefix = `BENCHWRITE#${Date.now()}`;
  await inParallel(Math.ceil((3 * total) / 25), 8, async (b) => {
    let items: Record<string, unknown>[] = Array.from({ length: Math.min(25, 3 * total - b * 25) }, (_, j) => ({
      PutRequest: { Item: { pk: `${prefix}#${b * 25 + j}`, sk: 'TASK', state: 'backlog', title: 'floor', version: 1 } },
    }));
    while (items.length) {
      const result = await documentClient().send(new BatchWriteCommand({ RequestItems: { [ctx.tableName]: items as never } }));
      items = (result.UnprocessedItems?.[ctx.tableName] as Record<string, unknown>[] | undefined) ?? [];
    }
  });
  const floorWrite = (n: number) =>
    documentClient().send(
      new UpdateCommand({
        TableName: ctx.tableName,
        Key: { pk: `${prefix}#${n}`, sk: 'TASK' },
        UpdateExpression: 'SET #state = :to, version = version + :one',
        ConditionExpression: '#state = :from',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':to': 'in_progress', ':from': 'backlog', ':one': 1 },
      }),
    );
  const at = () => new Date().toISOString();
  const kinds: Array<[string, (i: number) => Promise<unknown>]> = [
    ['floor', (i) => floorWrite(i)],
    ['two floor writes side by side', (i) => Promise.all([floorWrite(total + 2 * i), floorWrite(total + 2 * i + 1)])],
    ["the claim's agent write (its status key moves)", (i) => documentClient().send(new UpdateCommand(assignAgentUpdate(agents[i], tasks[i], at()).Update!))],
    ["the claim's task write, ALL_OLD (as claims ask)", (i) => documentClient().send(new UpdateCommand(claimTaskUpdate({ id: tasks[i], projectId: project.id }, agents[i], at())))],
    ["the claim's task write, ALL_NEW (as claims asked before)", (i) => documentClient().send(new UpdateCommand(claimTaskUpdate({ id: tasks[total + i], projectId: project.id }, agents[i], at(), 'ALL_NEW')))],
    // Diagnostics: the same items, written without moving their index keys.
    [
      'an agent write moving no index key (a pointer only)',
      (i) =>
        documentClient().send(
          new UpdateCommand({
            TableName: ctx.tableName,
            Key: { pk: `AGENT#${agents[total + i]}`, sk: 'AGENT' },
            UpdateExpression: 'SET currentTaskId = :task, version = version + :one',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(currentTaskId)',
            ExpressionAttributeValues: { ':task': tasks[i], ':one': 1 },
          }),
        ),
    ],
    [
      'a task write moving no index key (state and agent only)',
      (i) =>
        documentClient().send(
          new UpdateCommand({
            TableName: ctx.tableName,
            Key: { pk: `TASK#${tasks[2 * total + i]}`, sk: 'TASK' },
            UpdateExpression: 'SET #state = :to, assignedAgentId = :agent, version = version + :one',
            ConditionExpression: '#state = :from',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':to': 'in_progress', ':from': 'backlog', ':agent': agents[i], ':one': 1 },
          }),
        ),
    ],
  ];
  const spent = new Map<string, number>(kinds.map(([name]) => [name, 0]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, write] of kinds) {
      const start = process.hrtime.bigint();
      await inParallel(PER_ROUND, CONCURRENCY, (i) => write(round * PER_ROUND + i));
      spent.set(name, spent.get(name)! + seconds(start));
    }
  }
  const floorRate = total / spent.get('floor')!;
  return kinds
    .filter(([name]) => name !== 'floor')
    .map(([name]) =>
      figure(`claim writes: ${name}`, total / spent.get(name)!, floorRate, 'ops/s', undefined, {
        writes: total,
        concurrency: CONCURRENCY,
        rounds: ROUNDS,
        floorIs: 'conditional UpdateItem on a plain item, ops/s, in the same alternating rounds',
        floorSeconds: round(spent.get('floor')!, 2),
      }),
    );
}
