import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandPath, getTask, git, newAgentToken, newTask, projectWithRepo, runRunner, startAgentWorld, tempFolder, type AgentWorld } from './helpers.js';

// The runner keeps a bare clone per project under its workdir. Gitea may move (a restarted local Gitea on
// another port, a new host): the clone must follow the GITEA_URL the runner is given now, not the URL it
// was made with, or every fetch fails and each task is given back.
let world: AgentWorld;

beforeAll(async () => {
  world = await startAgentWorld();
});
afterAll(async () => {
  await world?.stop();
});

describe("the runner's cached clone", { timeout: 480_000 }, () => {
  it('follows the GITEA_URL it is given when the one it was cloned from no longer answers', async () => {
    const project = await projectWithRepo(world);
    const agent = await newAgentToken(world);
    const home = tempFolder(world);
    const args = ['--once', '--project', project.id, '--command', `sh ${commandPath('edit.sh')}`];
    const first = await newTask(world, project.id, 'Add a header');
    const one = await runRunner(world, { tokens: [agent.token], workdir: home, args });
    expect(one.code, one.output).toBe(0);
    expect((await getTask(world, first.id)).state).toBe('ready_to_test');

    // The clone was made from a Gitea that has since gone (nothing listens on port 9 here).
    const clone = join(home, 'work', 'repos', project.giteaOwner.toLowerCase(), `${project.giteaRepo.toLowerCase()}.git`);
    await git(clone, ['remote', 'set-url', 'origin', `http://127.0.0.1:9/${project.giteaOwner}/${project.giteaRepo}.git`]);

    const second = await newTask(world, project.id, 'Add a footer');
    const two = await runRunner(world, { tokens: [agent.token], workdir: home, args });
    expect(two.code, two.output).toBe(0);
    expect(await getTask(world, second.id)).toMatchObject({ state: 'ready_to_test', prNumber: 2, prUrl: expect.stringContaining(`${world.gitea.url}/`) });
    expect(await git(clone, ['remote', 'get-url', 'origin'])).toBe(`${world.gitea.url}/${project.giteaOwner}/${project.giteaRepo}.git`);
  });
});
