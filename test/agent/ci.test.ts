import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../helpers/http.js';
import { eventually } from '../jobs/helpers.js';
import { giteaAs } from '../webhooks/loop.js';
import { cloneBranch, commandPath, getTask, newAgentToken, newTask, projectWithRepo, runRunner, startAgentWorld, taskEvents, tempFolder, type AgentWorld } from './helpers.js';

// CI back to the agent (docs/ci.md): a failing commit status on the pull request's head sends the task in
// review back to the agent that did it, with the failing check's name, description and link in feedback;
// the runner's next attempt has them in its prompt. After the project's ciRounds, the task waits for a person.
let world: AgentWorld;

beforeAll(async () => {
  world = await startAgentWorld();
});
afterEach(() => world.gitea.standIn?.assertNoViolations());
afterAll(async () => {
  await world?.stop();
});

/** The CI system posting a status on a commit, with the API token of the account that runs it. */
async function postStatus(repo: string, sha: string, status: { state: string; context: string; description: string; target_url?: string }) {
  return giteaAs(world.gitea.url, { login: world.gitea.owner, token: world.gitea.token })('POST', `/repos/${world.gitea.owner}/${repo}/statuses/${sha}`, status);
}

async function headOf(repo: string, number: number): Promise<string> {
  const pull = await giteaAs(world.gitea.url, { login: world.gitea.owner, token: world.gitea.token })('GET', `/repos/${world.gitea.owner}/${repo}/pulls/${number}`);
  return pull.head.sha as string;
}

describe('CI back to the agent', { timeout: 240_000 }, () => {
  it('a failing status sends the task back with the link in feedback, the next attempt sees it in its prompt, and after ciRounds it waits for a person', async () => {
    const project = await projectWithRepo(world);
    ok(await world.api.patch(`/api/projects/${project.id}`, { ciRounds: 1 }));
    const task = await newTask(world, project.id, 'Add a changelog');
    const agent = await newAgentToken(world);
    const home = tempFolder(world);
    const args = ['--once', '--project', project.id, '--command', `sh ${commandPath('edit.sh')}`];
    const first = await runRunner(world, { tokens: [agent.token], workdir: home, args });
    expect(first.code, first.output).toBe(0);
    const inReview = await getTask(world, task.id);
    expect(inReview.state).toBe('ready_to_test');

    const head = await headOf(project.giteaRepo, inReview.prNumber);
    await postStatus(project.giteaRepo, head, { state: 'pending', context: 'ci/test', description: 'running' });
    await postStatus(project.giteaRepo, head, { state: 'failure', context: 'ci/test', description: '2 tests failed', target_url: 'https://ci.example.com/runs/41' });
    const back = await eventually('the task sent back by CI', async () => {
      const current = await getTask(world, task.id);
      return current.state === 'in_progress' ? current : undefined;
    });
    expect(back.assignedAgentId).toBe(agent.id);
    expect(back.feedback).toContain('ci/test: failure — 2 tests failed (https://ci.example.com/runs/41)');
    expect(back.checks).toMatchObject({ sha: head, state: 'failure', rounds: 1, contexts: [{ context: 'ci/test', state: 'failure', description: '2 tests failed', targetUrl: 'https://ci.example.com/runs/41' }] });
    expect((await taskEvents(world, task.id)).filter((event) => event.type === 'ci_failed')).toHaveLength(1);

    const second = await runRunner(world, { tokens: [agent.token], workdir: home, args });
    expect(second.code, second.output).toBe(0);
    const again = await getTask(world, task.id);
    expect(again.state).toBe('ready_to_test');
    const clone = await cloneBranch(world, project.giteaRepo, again.branchName);
    const prompt = readFileSync(join(clone, 'stdin-prompt.md'), 'utf8');
    expect(prompt).toContain('CI failed on');
    expect(prompt).toContain('https://ci.example.com/runs/41');

    // The new head fails too: the one automatic round is used up, so the task stays in review and waits for a person.
    const newHead = await headOf(project.giteaRepo, again.prNumber);
    expect(newHead).not.toBe(head);
    await postStatus(project.giteaRepo, newHead, { state: 'error', context: 'ci/test', description: 'runner lost', target_url: 'https://ci.example.com/runs/42' });
    const waiting = await eventually('the rounds used up', async () => {
      const current = await getTask(world, task.id);
      return current.checks?.waiting ? current : undefined;
    });
    expect(waiting).toMatchObject({ state: 'ready_to_test', checks: { sha: newHead, state: 'error', rounds: 1, sentBackFor: newHead } });
    // A late status for the old head changes nothing.
    const version = waiting.version;
    await postStatus(project.giteaRepo, head, { state: 'success', context: 'ci/test', description: 'rerun passed' });
    await world.gitea.standIn!.reviewLoop.idle();
    const after = await getTask(world, task.id);
    expect(after.checks.sha).toBe(newHead);
    expect(after.state).toBe('ready_to_test');
    expect(after.checks.state).toBe('error');
    expect(after.version).toBeGreaterThanOrEqual(version);
  });
});
