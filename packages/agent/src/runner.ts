import { homedir } from 'node:os';
import type { RunnerConfig } from './config.js';
import { Git } from './git.js';
import { McpSession, type ProjectView, type TaskView } from './mcp-session.js';
import { Progress } from './progress.js';
import { Sandbox } from './sandbox.js';
import { pause, workOnTask, type TaskEnd } from './task-work.js';
import { Workspace } from './workspace.js';

interface HeartbeatAnswer {
  agent: { id: string; name: string };
  leaseSeconds: number;
}

export interface RunSummary {
  ends: TaskEnd[];
  stopped: boolean;
}

/**
 * `aiworker agent`: one slot per agent token (up to --parallel), each claiming tasks with get_next_task
 * and working on one at a time in its own worktree, heartbeating all the while so its lease never ends
 * while work runs. `stop()` (Ctrl-C) ends every coding command and leaves each task in a stated state.
 */
export class Runner {
  private readonly controller = new AbortController();
  private readonly workspace: Workspace;
  private readonly git: Git;
  /** Where coding commands run; undefined with --no-sandbox. */
  readonly sandbox?: Sandbox;

  constructor(
    private readonly config: RunnerConfig,
    private readonly out?: (line: string) => void,
  ) {
    this.git = new Git({ username: config.giteaUsername, token: config.giteaToken });
    this.workspace = new Workspace(config.workdir, this.git, config.giteaUrl);
    if (config.sandbox) this.sandbox = new Sandbox({ bwrap: 'bwrap', allowRead: config.allowRead, path: process.env.PATH ?? '', workdir: config.workdir, home: homedir(), allowHosts: config.allowHosts });
  }

  get stopping(): boolean {
    return this.controller.signal.aborted;
  }

  stop(): void {
    this.controller.abort();
  }

  async run(): Promise<RunSummary> {
    await this.sandbox?.start();
    try {
      const results = await Promise.all(this.config.tokens.map((token, i) => this.slot(token, i)));
      return { ends: results.flat(), stopped: this.stopping };
    } finally {
      await this.sandbox?.close();
    }
  }

  private async slot(token: string, index: number): Promise<TaskEnd[]> {
    const label = this.config.parallel > 1 ? `slot ${index + 1}` : 'agent';
    const session = new McpSession(this.config.mcpUrl, token, `aiworker-runner-${index + 1}`);
    const progress = new Progress(label, this.out);
    const signal = this.controller.signal;
    const ends: TaskEnd[] = [];
    let heartbeat: NodeJS.Timeout | undefined;
    try {
      const first = await session.call<HeartbeatAnswer>('heartbeat');
      // A third of the lease between heartbeats: two can fail before the lease ends.
      const everyMs = Math.max(1000, Math.min(60_000, (first.leaseSeconds * 1000) / 3));
      heartbeat = setInterval(() => {
        session.call('heartbeat').catch((error: unknown) => progress.line(`heartbeat failed (will retry): ${error instanceof Error ? error.message : String(error)}`));
      }, everyMs);
      const identity = { name: `${first.agent.name} (aiworker agent)`, email: `agent-${first.agent.id}@aiworker.invalid` };
      progress.line(`${first.agent.name} (${first.agent.id}) connected to ${this.config.mcpUrl}; lease ${first.leaseSeconds} s, heartbeat every ${Math.round(everyMs / 1000)} s`);

      let idleDelay = 2000;
      while (!signal.aborted) {
        const claim = await session.call<{ task: TaskView | null; project?: ProjectView; resumed?: boolean; message: string }>(
          'get_next_task',
          this.config.projectId ? { projectId: this.config.projectId } : {},
        );
        if (!claim.task || !claim.project) {
          if (this.config.once) {
            progress.line(`no task waiting (${claim.message})`);
            break;
          }
          await pause(idleDelay, signal);
          idleDelay = Math.min(idleDelay * 1.5, this.config.maxPollSeconds * 1000);
          continue;
        }
        idleDelay = 2000;
        const end = await workOnTask({ config: this.config, session, workspace: this.workspace, progress, identity, signal, sandbox: this.sandbox }, { task: claim.task, project: claim.project, resumed: claim.resumed });
        ends.push(end);
        if (this.config.once) break;
        // A task given back may be the top of the backlog again: let others have a go before claiming.
        if (end.kind === 'given_back') await pause(this.config.maxPollSeconds * 1000, signal);
      }
    } catch (error) {
      progress.line(`stopped by an error: ${this.git.mask(error instanceof Error ? error.message : String(error))}`);
      ends.push({ kind: 'given_back', reason: error instanceof Error ? error.message : String(error) });
    } finally {
      if (heartbeat) clearInterval(heartbeat);
      await session.close();
    }
    return ends;
  }
}
