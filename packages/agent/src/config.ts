import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** The exit code with which the coding command asks a person (after writing `.aiworker/question.md`). */
export const ASK_EXIT_CODE = 3;

export interface RunnerConfig {
  mcpUrl: string;
  /** One agent token per parallel slot (an agent holds one task at a time). */
  tokens: string[];
  command: string;
  parallel: number;
  once: boolean;
  projectId?: string;
  /** Seconds one run of the coding command may take. */
  timeoutSeconds: number;
  /** Runs of the coding command (crash or timeout) before the task is given back. */
  tries: number;
  workdir: string;
  giteaUrl: string;
  giteaUsername: string;
  giteaToken?: string;
  /** Longest pause between two looks for an answer or a task (seconds); the first is 2 s. */
  maxPollSeconds: number;
  /** Stream the coding command's output to the terminal (it always goes to the task's log file). */
  verbose: boolean;
}

export const USAGE = `Usage: aiworker agent [options]

Claims tasks over MCP, runs a coding command on each in its own git worktree, pushes the branch and opens
the pull request. Settings come from options or the environment.

  --mcp-url URL        aiworker's MCP endpoint (AIWORKER_MCP_URL), e.g. http://localhost:3000/mcp
  --command CMD        the coding command, run by the shell in the task's worktree with the prompt on stdin
                       and in $AIWORKER_PROMPT_FILE (AIWORKER_AGENT_COMMAND)
  --parallel N         tasks at once, each in its own worktree; needs N agent tokens (default: one per token)
  --once               take one task per slot, then stop (exit at once when no task is waiting)
  --project ID         only claim tasks of this project (AIWORKER_PROJECT_ID)
  --timeout SECONDS    longest run of the coding command (AIWORKER_AGENT_TIMEOUT, default 3600)
  --tries N            runs of the command (crash or timeout) before the task goes back to the backlog
                       with the error (AIWORKER_AGENT_TRIES, default 2)
  --workdir DIR        repositories and worktrees (AIWORKER_AGENT_WORKDIR, default ~/.aiworker/agent)
  --gitea-url URL      Gitea for git over HTTPS (GITEA_URL)
  --max-poll SECONDS   longest pause between looks for an answer or a task (default 30)
  --verbose            also show the coding command's output (always kept in <workdir>/logs/<task>.log)
  -h, --help           this text

Environment only (never options, so they stay out of process lists and shell history):
  AIWORKER_AGENT_TOKEN  the agent's token from POST /api/agents; comma-separated for --parallel
  GITEA_TOKEN           token for git over HTTPS (sent as HTTP basic auth; never printed or stored)
  GITEA_USERNAME        user name for git over HTTPS (default aiworker)

The coding command asks a person by writing .aiworker/question.md and exiting (code ${ASK_EXIT_CODE}, or 0); it is
run again with the answer. Exit 0 without a question = done (the runner commits what is left uncommitted,
pushes, opens the PR); any other code, or the timeout, is a failed run.`;

export class UsageError extends Error {}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a whole number ≥ 1, got "${value}"`);
  return n;
}

function url(name: string, value: string | undefined): string {
  if (!value) throw new UsageError(`${name} is required`);
  try {
    const parsed = new URL(value);
    if (!/^https?:$/.test(parsed.protocol)) throw new Error();
    if (parsed.username || parsed.password) throw new UsageError(`${name} must not carry credentials; use the token variables`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${name} must be an http(s) URL, got "${value}"`);
  }
  return value.replace(/\/+$/, '');
}

/** Options over environment; throws UsageError saying what is wrong. `undefined` means --help. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): RunnerConfig | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      'mcp-url': { type: 'string' },
      command: { type: 'string' },
      parallel: { type: 'string' },
      once: { type: 'boolean' },
      project: { type: 'string' },
      timeout: { type: 'string' },
      tries: { type: 'string' },
      workdir: { type: 'string' },
      'gitea-url': { type: 'string' },
      'max-poll': { type: 'string' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return undefined;
  const tokens = (env.AIWORKER_AGENT_TOKEN ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  if (tokens.length === 0) throw new UsageError('AIWORKER_AGENT_TOKEN is required (the token POST /api/agents returned; comma-separated for --parallel)');
  const parallel = positiveInt('--parallel', values.parallel, tokens.length);
  if (parallel > tokens.length) {
    throw new UsageError(
      `--parallel ${parallel} needs ${parallel} agent tokens in AIWORKER_AGENT_TOKEN (comma-separated), got ${tokens.length}: an agent holds one task at a time, so register one agent per parallel task`,
    );
  }
  const command = values.command ?? env.AIWORKER_AGENT_COMMAND;
  if (!command?.trim()) throw new UsageError('--command is required (or AIWORKER_AGENT_COMMAND), e.g. --command "claude -p --permission-mode acceptEdits"');
  return {
    mcpUrl: url('--mcp-url (or AIWORKER_MCP_URL)', values['mcp-url'] ?? env.AIWORKER_MCP_URL),
    tokens: tokens.slice(0, parallel),
    command,
    parallel,
    once: values.once ?? false,
    projectId: values.project ?? env.AIWORKER_PROJECT_ID,
    timeoutSeconds: positiveInt('--timeout', values.timeout ?? env.AIWORKER_AGENT_TIMEOUT, 3600),
    tries: positiveInt('--tries', values.tries ?? env.AIWORKER_AGENT_TRIES, 2),
    workdir: resolve(values.workdir ?? env.AIWORKER_AGENT_WORKDIR ?? join(homedir(), '.aiworker', 'agent')),
    giteaUrl: url('--gitea-url (or GITEA_URL)', values['gitea-url'] ?? env.GITEA_URL),
    giteaUsername: env.GITEA_USERNAME || 'aiworker',
    giteaToken: env.GITEA_TOKEN || undefined,
    maxPollSeconds: positiveInt('--max-poll', values['max-poll'], 30),
    verbose: values.verbose ?? false,
  };
}
