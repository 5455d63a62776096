import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exposesRunner } from './sandbox.js';

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
  /** Run the coding command in the bubblewrap sandbox (default); false only with --no-sandbox. */
  sandbox: boolean;
  /** Extra paths the sandboxed command may read (its CLI's install folder, say). */
  allowRead: string[];
  /** Variables of the runner's environment the command gets besides the basic ones (e.g. a model API key). */
  passEnv: string[];
  /** With hosts, the sandboxed command's only network is a proxy to these. */
  allowHosts: string[];
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
  --pass-env NAME      give the coding command this variable of the runner's environment, e.g. a model API
                       key (repeatable; AIWORKER_PASS_ENV, comma-separated). It gets only PATH, LANG, LC_*,
                       TERM, TZ, USER and the AIWORKER_ task variables otherwise
  --allow-read PATH    let the sandboxed command read this path too, e.g. where its CLI is installed
                       (repeatable; AIWORKER_SANDBOX_READ, colon-separated). PATH's folders are readable
  --allow-host HOST    the sandboxed command's only network: HTTP(S) to these hosts through the runner's
                       proxy (HTTPS_PROXY); *.example.com allows subdomains (repeatable;
                       AIWORKER_SANDBOX_HOSTS, comma-separated). Without it the command has the machine's network
  --no-sandbox         run the coding command without the sandbox: it can then read this runner's tokens
                       and change its repositories. Without it the runner needs bubblewrap (bwrap)
  -h, --help           this text

Environment only (never options, so they stay out of process lists and shell history):
  AIWORKER_AGENT_TOKEN  the agent's token from POST /api/agents; comma-separated for --parallel
  GITEA_TOKEN           token for git over HTTPS (sent as HTTP basic auth; never printed or stored)
  GITEA_USERNAME        user name for git over HTTPS (default aiworker)

The coding command asks a person by writing .aiworker/question.md and exiting (code ${ASK_EXIT_CODE}, or 0); it is
run again with the answer. Exit 0 without a question = done (the runner commits what is left uncommitted,
pushes, opens the PR); any other code, or the timeout, is a failed run.

The sandbox (Linux, bubblewrap): the command runs in its own PID namespace with a fresh /proc, no
capabilities, the system folders read-only, its own empty /tmp and home, the project's bare repository
read-only (git log and diff work; commit and hooks do not: the runner commits what it leaves) and write
access to its task's worktree only.`;

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
      'pass-env': { type: 'string', multiple: true },
      'allow-read': { type: 'string', multiple: true },
      'allow-host': { type: 'string', multiple: true },
      'no-sandbox': { type: 'boolean' },
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
  const workdir = resolve(values.workdir ?? env.AIWORKER_AGENT_WORKDIR ?? join(homedir(), '.aiworker', 'agent'));
  const passEnv = listOf(values['pass-env'], env.AIWORKER_PASS_ENV, ',');
  for (const name of passEnv) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`--pass-env takes a variable name, got "${name}"`);
    if (RUNNER_SECRETS.test(name)) throw new UsageError(`--pass-env ${name}: the runner's own credentials never reach the coding command`);
  }
  const allowRead = listOf(values['allow-read'], env.AIWORKER_SANDBOX_READ, ':').map((path) => resolve(path));
  for (const path of allowRead) {
    if (exposesRunner(path, { workdir, home: homedir() })) throw new UsageError(`--allow-read ${path} would show the coding command the runner's workdir (${workdir}) or your whole home`);
  }
  const allowHosts = listOf(values['allow-host'], env.AIWORKER_SANDBOX_HOSTS, ',').map((host) => host.toLowerCase());
  for (const host of allowHosts) {
    if (!/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*$|^\[?[0-9a-f:.]+\]?$/.test(host)) throw new UsageError(`--allow-host takes a host name (or *.domain), got "${host}"`);
  }
  if (allowHosts.length > 0 && values['no-sandbox']) throw new UsageError('--allow-host limits the sandbox\'s network: it cannot go with --no-sandbox');
  return {
    mcpUrl: url('--mcp-url (or AIWORKER_MCP_URL)', values['mcp-url'] ?? env.AIWORKER_MCP_URL),
    tokens: tokens.slice(0, parallel),
    command,
    parallel,
    once: values.once ?? false,
    projectId: values.project ?? env.AIWORKER_PROJECT_ID,
    timeoutSeconds: positiveInt('--timeout', values.timeout ?? env.AIWORKER_AGENT_TIMEOUT, 3600),
    tries: positiveInt('--tries', values.tries ?? env.AIWORKER_AGENT_TRIES, 2),
    workdir,
    giteaUrl: url('--gitea-url (or GITEA_URL)', values['gitea-url'] ?? env.GITEA_URL),
    giteaUsername: env.GITEA_USERNAME || 'aiworker',
    giteaToken: env.GITEA_TOKEN || undefined,
    maxPollSeconds: positiveInt('--max-poll', values['max-poll'], 30),
    verbose: values.verbose ?? false,
    sandbox: !values['no-sandbox'],
    allowRead,
    passEnv,
    allowHosts,
  };
}

/** The runner's credentials (and git's credential variables): --pass-env refuses them. */
const RUNNER_SECRETS = /^(AIWORKER_AGENT_TOKEN|AIWORKER_ADMIN_TOKEN|GITEA_TOKEN|AIWORKER_LOCAL_GITEA_TOKEN|GIT_CONFIG_.*)$/;

/** Repeated options, or else the environment's list. */
function listOf(options: string[] | undefined, fromEnv: string | undefined, separator: string): string[] {
  const items = options?.length ? options : (fromEnv ?? '').split(separator);
  return items.map((item) => item.trim()).filter(Boolean);
}
