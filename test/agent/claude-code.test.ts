import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../packages/local/src/handler-loader.js';
import { ok } from '../helpers/http.js';
import { eventually } from '../jobs/helpers.js';
import { cloneBranch, getTask, newAgentToken, newTask, projectWithRepo, startAgentWorld, startRunner, taskEvents, tempFolder, type AgentWorld } from './helpers.js';

/**
 * The real Claude Code CLI as the runner's coding command, in the sandbox, against the scripted Messages API
 * in ../shared/tools/fake-anthropic (no model can be reached from here). `.ci/run` installs the CLI from npm
 * into .cache/claude-code (as it does Node 22); without it this test is skipped outside CI.
 */
const CLAUDE_DIR = join(projectRoot, '.cache', 'claude-code');
const CLAUDE_BIN = join(CLAUDE_DIR, 'node_modules', '.bin', 'claude');
const FAKE_API = join(projectRoot, '..', 'shared', 'tools', 'fake-anthropic', 'server.mjs');
const available = existsSync(CLAUDE_BIN) && existsSync(FAKE_API);
if (!available && process.env.CI) throw new Error(`Claude Code (${CLAUDE_BIN}) or the scripted API (${FAKE_API}) is missing: .ci/run installs the first`);

let world: AgentWorld;
let fakeApi: ChildProcess | undefined;
let apiUrl: string;
let apiLog: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  if (!available) return;
  world = await startAgentWorld();
  const port = await freePort();
  apiLog = join(tempFolder(world, 'aiworker-fake-anthropic-'), 'requests.jsonl');
  fakeApi = spawn(process.execPath, [FAKE_API, String(port), apiLog], { stdio: 'ignore' });
  // localhost, not 127.0.0.1: the sandbox's only network is its proxy, which --allow-host localhost lets through.
  apiUrl = `http://localhost:${port}`;
  await eventually('the scripted Messages API', async () => (await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined))?.status === 404, 20_000);
});
afterAll(async () => {
  fakeApi?.kill('SIGKILL');
  await world?.stop();
});

type Entry = { at: string; attempt: number; stream: string; text: string };

describe.skipIf(!available)('the real Claude Code CLI as the coding command', { timeout: 300_000 }, () => {
  it('runs sandboxed with stream-json: its steps on the live log, its tokens and cost on the task and project, its file in the pull request', async () => {
    const project = await projectWithRepo(world);
    const task = await newTask(world, project.id, 'Create hello.txt', 'Create a file hello.txt that says hello.');
    const agent = await newAgentToken(world);
    const home = tempFolder(world);
    const runner = startRunner(world, {
      tokens: [agent.token],
      workdir: home,
      args: [
        '--once',
        '--project', project.id,
        '--command', 'claude -p --permission-mode acceptEdits --output-format stream-json --verbose',
        '--allow-host', 'localhost',
        '--allow-read', CLAUDE_DIR,
        ...['ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY', 'DISABLE_TELEMETRY', 'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC'].flatMap((name) => ['--pass-env', name]),
      ],
      env: {
        PATH: `${dirname(CLAUDE_BIN)}:${process.env.PATH ?? ''}`,
        ANTHROPIC_BASE_URL: apiUrl,
        ANTHROPIC_API_KEY: 'sk-ant-fake-key-for-the-scripted-api',
        DISABLE_TELEMETRY: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      },
    });
    try {
      const code = await runner.exited;
      expect(code, runner.output()).toBe(0);

      const done = await getTask(world, task.id);
      expect(done.state, JSON.stringify(done)).toBe('ready_to_test');
      expect(done.prUrl).toEqual(expect.any(String));
      const clone = await cloneBranch(world, project.giteaRepo, done.branchName);
      expect(readFileSync(join(clone, 'hello.txt'), 'utf8')).toBe('hello\n');

      // The CLI's stream-json lines are steps on the REST log: its session, its Write call, the result line.
      const log: Entry[] = ok(await world.api.get(`/api/tasks/${task.id}/log?limit=100`));
      const steps = log.filter((entry) => entry.stream === 'step').map((entry) => entry.text);
      expect(steps[0], JSON.stringify(log)).toMatch(/^session init \(model .+\)$/);
      expect(steps.some((step) => /^tool Write: .*hello\.txt/.test(step)), JSON.stringify(steps)).toBe(true);
      expect(steps.some((step) => step === 'message: Created hello.txt.'), JSON.stringify(steps)).toBe(true);
      const result = steps.at(-1) ?? '';
      expect(result).toMatch(/^result success: 2 turn\(s\), \$\d+\.\d{4} — Created hello\.txt\.$/);
      expect(JSON.stringify(log)).not.toContain('sk-ant-fake-key-for-the-scripted-api');

      // Its usage, from the result line, on the task and the project.
      expect(done.usage).toMatchObject({ attempts: 1, inputTokens: expect.any(Number), outputTokens: expect.any(Number), costUsd: expect.any(Number) });
      expect(done.usage.inputTokens).toBeGreaterThan(0);
      expect(done.usage.outputTokens).toBeGreaterThan(0);
      expect(done.usage.costUsd).toBeGreaterThan(0);
      expect(result).toContain(`$${done.usage.costUsd.toFixed(4)}`);
      expect(ok(await world.api.get(`/api/projects/${project.id}`)).usage).toEqual({ ...done.usage, seconds: expect.any(Number) });
      const attempt = (await taskEvents(world, task.id)).find((event) => event.type === 'attempt');
      expect(attempt?.message).toBe(`Attempt 1: exit 0 after ${Math.round(done.usage.seconds)} s; ${done.usage.inputTokens} tokens in, ${done.usage.outputTokens} out; $${done.usage.costUsd.toFixed(4)}`);
      // The CLI reached the scripted API only through the sandbox's proxy.
      expect(readFileSync(apiLog, 'utf8')).toContain('"hasToolResult":true');
      console.log(`Claude Code run: ${done.usage.seconds} s, ${done.usage.inputTokens} tokens in, ${done.usage.outputTokens} out, $${done.usage.costUsd}`);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- runner output:\n${runner.output()}`);
    } finally {
      runner.child.kill('SIGKILL');
    }
  });
});
