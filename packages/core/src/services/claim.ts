import { logger, recordMetric } from '../telemetry.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { now } from '../ids.js';
import { agentRepository } from '../db/agent-repository.js';
import { claimRepository } from '../db/claim-repository.js';
import { isClaimable, taskRepository } from '../db/task-repository.js';
import type { AgentRecord } from '../schemas/agent.js';
import type { Project } from '../schemas/project.js';
import type { Task } from '../schemas/task.js';
import { isActive } from '../state-machine.js';
import { nextCandidate, settleCandidate, type Candidate } from './claim-candidates.js';
import { getProject, recentProject } from './projects.js';
import { budgetRefusal } from './usage.js';
import { transitionTask } from './tasks.js';

/** Lost races per claim before giving up on a very busy backlog ("call again"). */
const MAX_ATTEMPTS = 30;
/** Candidates of projects over their budget a claim passes over before it stops looking. */
const MAX_BUDGET_SKIPS = 500;

/** Whether the candidate's project has used up its budget for the day (remembered per project for this claim). */
async function overBudget(candidate: Candidate, refusals: Map<string, string | undefined>): Promise<boolean> {
  if (!refusals.has(candidate.projectId)) {
    const project = await recentProject(candidate.projectId).catch(() => undefined);
    refusals.set(candidate.projectId, project ? await budgetRefusal(project) : undefined);
  }
  return refusals.get(candidate.projectId) !== undefined;
}

/**
 * `livenessRecorded`: the claim wrote the agent's lastSeenAt (its agent half does), so the request that
 * made it owes no separate sign-of-life write.
 */
export type ClaimResult =
  | { task: Task; project: Project; resumed: boolean; livenessRecorded?: boolean }
  | { task: null; message: string };

/** What a claim needs to know of the agent: the MCP layer has just read it to authenticate the call. */
export type ClaimingAgent = Pick<AgentRecord, 'id' | 'currentTaskId'>;

/**
 * Gives the agent the next claimable task: a backlog task whose dependencies are all done, highest
 * priority first (optionally only of one project). An agent that already holds a task gets it back
 * (`resumed`), so an agent that restarts resumes its work.
 *
 * A claim is two single-item conditional writes, one after the other (no transaction: DynamoDB charges
 * double for one and DynamoDB Local runs them one at a time):
 *   - the agent: points at the task and is busy; only if it holds no task (or still points at the
 *                task this same claim lost a moment ago);
 *   - the task:  backlog → in_progress, assigned to the agent, its `claimed` event kept in the item;
 *                only if it is still in backlog with no open dependency (its own state decides, so a
 *                stale index copy is harmless).
 * Both won: done. The agent lost (it holds a task: a parallel call won): nothing was written, the
 * agent's task is returned. The task lost (another agent took it): the agent's pointer is moved to the
 * next candidate by the next try, or cleared if none is left. So a task goes to one agent, an agent
 * holds one task, and a half-done claim (a crash between the two) leaves at worst an agent pointing at a
 * task that is not its own, which the next claim (resolvePointer) and the lease sweeper clear.
 *
 * Candidates come from a shared, short-lived copy of the claimable index (claim-candidates.ts).
 */
export async function claimNextTask(agentId: string, options: { projectId?: string; agent?: ClaimingAgent } = {}): Promise<ClaimResult> {
  const [scope, agent] = await Promise.all([
    options.projectId ? recentProject(options.projectId) : undefined,
    options.agent ?? agentRepository.get(agentId),
  ]);
  if (!agent) throw new NotFoundError('Agent', agentId);
  if (agent.currentTaskId) {
    const held = await resolvePointer(agentId, agent.currentTaskId);
    if (held) return held;
  }

  // A project whose budget for the day is used up gets no claims (the answer says why).
  const refusals = new Map<string, string | undefined>();
  if (scope) {
    const refusal = await budgetRefusal(scope);
    if (refusal) return { task: null, message: refusal };
  }

  const lost = new Set<string>();
  let pointer: string | undefined;
  let skipped = 0;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const candidate = await nextCandidate(options.projectId, lost);
    if (candidate && !scope && (await overBudget(candidate, refusals)) && skipped++ < MAX_BUDGET_SKIPS) {
      // Not a lost race: passed over, without a write.
      settleCandidate(candidate.id);
      lost.add(candidate.id);
      attempt--;
      continue;
    }
    if (!candidate) {
      if (pointer) await letGo(agentId, pointer);
      // Before saying "no task": a parallel call of this agent may have got one meanwhile.
      const current = await agentRepository.get(agentId);
      const held = current?.currentTaskId ? await resolvePointer(agentId, current.currentTaskId) : undefined;
      if (held) return held;
      const where = options.projectId ? ` in project '${options.projectId}'` : '';
      const budgets = [...refusals.values()].filter(Boolean);
      if (budgets.length) return { task: null, message: `No task can be claimed now: ${budgets.join(' ')}` };
      return { task: null, message: `No task is waiting in the backlog${where} (or every one waits for a dependency). Ask again later.` };
    }
    const outcome = await tryClaim(agentId, candidate, pointer, scope).catch((error: unknown) => {
      settleCandidate(candidate.id);
      throw error;
    });
    // Won or lost, the task is not claimable now (reads begun before this must not offer it again); an agent
    // that turned out busy gives it back.
    settleCandidate(candidate.id, outcome.kind !== 'agent-busy');
    if (outcome.kind === 'won') {
      recordMetric('Claims');
      logger.info('Task claimed', { taskId: outcome.task.id, agentId });
      return { task: outcome.task, project: outcome.project, resumed: false, livenessRecorded: true };
    }
    if (outcome.kind === 'agent-busy') {
      // The agent points at a task: a parallel call of the same agent got one (or is getting it).
      const current = await agentRepository.get(agentId);
      if (!current) throw new NotFoundError('Agent', agentId);
      pointer = undefined;
      if (current.currentTaskId) {
        const held = await resolvePointer(agentId, current.currentTaskId);
        if (held) return held;
      }
      continue;
    }
    lost.add(candidate.id);
    recordMetric('ClaimRacesLost');
    if (outcome.agentPointsAt) {
      // Our agent half went through, the task half did not: a parallel call of this agent may have
      // finished the claim of this very task for us (see resolvePointer).
      const task = await taskRepository.get(candidate.id);
      if (task && task.assignedAgentId === agentId && isActive(task.state)) return { task, project: scope ?? (await getProject(task.projectId)), resumed: true };
      pointer = outcome.agentPointsAt;
    }
  }
  if (pointer) await letGo(agentId, pointer);
  throw new ConflictError('Too many agents are claiming tasks at this moment; call get_next_task again');
}

/**
 * The agent points at `taskId`. Its task: resume it. Still claimable: a claim of this agent is half done
 * (in flight in a parallel call, or cut short by a crash): finish it. Anything else: the pointer is
 * stale (a lost claim): clear it.
 */
async function resolvePointer(agentId: string, taskId: string): Promise<ClaimResult | undefined> {
  const task = await taskRepository.get(taskId);
  const mine = (candidate: Task | undefined) => !!candidate && candidate.assignedAgentId === agentId && isActive(candidate.state);
  if (mine(task)) {
    const project = await getProject(task!.projectId).catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
    if (project) return { task: task!, project, resumed: true };
    // A task left without its project (only data from before projects counted their tasks): it cannot be
    // worked on, so it is cancelled and the agent is free again rather than stuck on it.
    await transitionTask(task!.id, { to: 'cancelled', agentId, note: `The task's project '${task!.projectId}' no longer exists; task cancelled` }).catch(() => undefined);
    return undefined;
  }
  if (task && isClaimable(task)) {
    const won = await claimRepository.claimTask(task, agentId, now());
    if (won) {
      const claimed = await claimRepository.withText(won);
      return { task: claimed, project: await getProject(claimed.projectId), resumed: false };
    }
    const current = await taskRepository.get(taskId);
    if (mine(current)) return { task: current!, project: await getProject(current!.projectId), resumed: true };
  }
  await letGo(agentId, taskId);
  return undefined;
}

type Outcome =
  | { kind: 'won'; task: Task; project: Project }
  | { kind: 'lost'; agentPointsAt?: string }
  | { kind: 'agent-busy' };

/**
 * One try at one candidate: the agent first (it must hold nothing, or still point at the task this claim
 * just lost), then the task (it must still be claimable). In this order a crash or an error between the
 * two leaves at worst the agent pointing at a task that is not its own — never a task in progress for an
 * agent that does not know it — and a parallel call of the same agent stops at the agent, writing no task.
 * The project is read (or found in the recent copy) while the agent is written.
 */
async function tryClaim(agentId: string, candidate: Candidate, pointer: string | undefined, scope: Project | undefined): Promise<Outcome> {
  const at = now();
  const [agentWrite, project] = await Promise.allSettled([claimRepository.assignAgent(agentId, candidate.id, at, pointer), scope ?? recentProject(candidate.projectId)]);
  if (agentWrite.status === 'rejected') throw agentWrite.reason;
  if (!agentWrite.value) return { kind: 'agent-busy' };
  if (project.status === 'rejected') {
    // A task is never handed out without its project (a task cannot outlive it; one left from before is skipped).
    if (project.reason instanceof NotFoundError) return { kind: 'lost', agentPointsAt: candidate.id };
    await letGo(agentId, candidate.id);
    throw project.reason;
  }
  const claimed = await claimRepository.claimTask(candidate, agentId, at).catch(async (error: unknown) => {
    await letGo(agentId, candidate.id);
    throw error;
  });
  if (!claimed) return { kind: 'lost', agentPointsAt: candidate.id };
  // The claim's answer carries the task's text (a second read only for a task that has any).
  return { kind: 'won', task: await claimRepository.withText(claimed), project: project.value };
}

/** Clears the agent's pointer at a task it did not get (only if it still points there). */
async function letGo(agentId: string, taskId: string): Promise<void> {
  // Moved on meanwhile (fine), or could not be written: the agent's next claim or the sweeper clears it.
  await claimRepository.releaseAgent(agentId, taskId, now()).catch((error: unknown) => {
    logger.warn(`Could not clear agent ${agentId}'s pointer at task ${taskId}`, { error: error as Error });
  });
}
