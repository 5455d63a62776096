import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../packages/local/src/runtime.js';
import { documentClient } from '../../packages/core/src/db/client.js';
import { agentRepository } from '../../packages/core/src/db/agent-repository.js';
import { tableName } from '../../packages/core/src/db/store.js';
import { forgetCandidates } from '../../packages/core/src/services/claim-candidates.js';
import { countCalls, type CountedCall } from '../helpers/call-counter.js';
import { createProject, createTask } from '../helpers/fixtures.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { admin, ERAS, newAgent } from './mcp-client.js';

/**
 * What one `get_next_task` costs in DynamoDB calls through the real /mcp endpoint, counted at core's
 * document client: an agent pays each one in latency, and a busy fleet in the table's capacity. The budget
 * is authenticate (the token's agent), candidates (the claimable index of the project), and the claim's two
 * conditional writes (agent, task) — no liveness write beside them (the agent write carries lastSeenAt), no
 * re-read of the agent, no project read (the instance's recent copy). It holds for the worst case: this
 * instance has no copy of the claimable index and the agent's liveness is due. A task with long text
 * (description, answers, feedback) costs one read more: its text lives in an item of its own so that
 * the hot writes stay small, and the answer carries it.
 */
const BUDGET = 4;
const TEXT_READ = 1;

let runtime: Runtime;
let api: ReturnType<typeof admin>;

beforeAll(async () => {
  runtime = await startTestRuntime({ worker: false, sweeper: false });
  api = admin(runtime);
});
afterAll(() => runtime?.stop());

/** Makes the agent's liveness due: as if it had been silent for a minute (the write is then owed). */
async function silentForAMinute(agentId: string) {
  const at = new Date(Date.now() - 60_000).toISOString();
  await documentClient().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: `AGENT#${agentId}`, sk: 'AGENT' },
      UpdateExpression: 'SET lastSeenAt = :at',
      ExpressionAttributeValues: { ':at': at },
    }),
  );
}

/** When the agent was last seen, as the lease sweeper reads it (not shown over the API). */
const lastSeen = async (agentId: string) => Date.parse((await agentRepository.get(agentId))?.lastSeenAt ?? '');

const describeCalls = (calls: CountedCall[]) => calls.map((call) => `${call.command} ${call.target}`).join('\n');

describe('get_next_task over MCP: DynamoDB calls per claim', () => {
  const cases = [...ERAS.map((era) => ({ era, description: undefined })), { era: 'modern' as const, description: 'Make the build green.\n'.repeat(20) }];
  for (const { era, description } of cases) {
    const budget = BUDGET + (description ? TEXT_READ : 0);
    it(`${era} era: a claim of one project's task${description ? ' with a description' : ''} makes at most ${budget} calls, even from a cold instance with liveness due`, async () => {
      const project = await createProject(api);
      const agent = await newAgent(runtime, {}, era);
      try {
        // The instance has seen the project before (a fleet claims in a handful of projects), not the backlog.
        const warm = await newAgent(runtime, {}, era);
        await createTask(api, project.id);
        expect((await warm.call('get_next_task', { projectId: project.id })).structured.task).not.toBeNull();
        await warm.close();
        const task = await createTask(api, project.id, description ? { description } : {});
        await silentForAMinute(agent.agent.id);
        forgetCandidates();

        const counter = countCalls();
        const claim = await agent.call('get_next_task', { projectId: project.id }).finally(() => counter.stop());
        expect(claim.structured.task, claim.text).toMatchObject({ id: task.id, state: 'in_progress', ...(description ? { description } : {}) });
        expect(claim.structured.project).toMatchObject({ id: project.id });
        expect(counter.calls.length, describeCalls(counter.calls)).toBeLessThanOrEqual(budget);
        // The claim recorded the agent's sign of life with its own write.
        expect(await lastSeen(agent.agent.id)).toBeGreaterThan(Date.now() - 30_000);
      } finally {
        await agent.close();
      }
    });
  }

  it('a get_next_task that writes no claim (the agent resumes its task, or none is waiting) still counts as a sign of life', async () => {
    const project = await createProject(api);
    await createTask(api, project.id);
    const agent = await newAgent(runtime, {}, 'modern');
    const idle = await newAgent(runtime, {}, 'modern');
    try {
      expect((await agent.call('get_next_task', { projectId: project.id })).structured.resumed).toBe(false);
      for (const [who, expected] of [[agent, { resumed: true }], [idle, { task: null }]] as const) {
        await silentForAMinute(who.agent.id);
        const before = Date.now() - 30_000;
        expect((await who.call('get_next_task', { projectId: project.id })).structured).toMatchObject(expected);
        expect(await lastSeen(who.agent.id)).toBeGreaterThan(before);
      }
    } finally {
      await Promise.all([agent.close(), idle.close()]);
    }
  });
});
