import { randomUUID } from 'node:crypto';
import { runCommand, type CommandOutcome, type CommandRun } from './command.js';
import { LogShipper, type LogSink } from './log-shipper.js';
import type { ReportedUsage } from './stream-json.js';

/** How often the live log is sent while the command runs (AIWORKER_LOG_INTERVAL_MS, at most 2000). */
const logEveryMs = () => Math.min(2000, Math.max(100, Number(process.env.AIWORKER_LOG_INTERVAL_MS ?? 2000) || 2000));
/** Characters of output one task may send to the live log in all (AIWORKER_LOG_MAX_CHARS, default 1,000,000). */
const logMaxChars = () => Math.max(1000, Number(process.env.AIWORKER_LOG_MAX_CHARS ?? 1_000_000) || 1_000_000);

export type AttemptOutcome = CommandOutcome | { kind: 'stopped_by_person'; message: string; tail: string };

export interface AttemptRun extends Omit<CommandRun, 'signal' | 'onOutput'> {
  taskId: string;
  attempt: number;
  /** Ctrl-C of the runner. */
  signal: AbortSignal;
  session: LogSink;
  secrets: string[];
  say: (message: string) => void;
}

/** Characters each task has sent to the live log in this runner (the bound is per task, across attempts). */
const charsSent = new Map<string, number>();

/**
 * One run of the coding command with its live log: output shipped to `append_log` every ≤ 2 s, a Stop
 * heard in its answer ends the command's process group, and afterwards `report_attempt` records its wall
 * time, its exit and what it reported of tokens and cost.
 */
export async function runAttempt(run: AttemptRun): Promise<AttemptOutcome> {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  if (run.signal.aborted) controller.abort();
  else run.signal.addEventListener('abort', onAbort, { once: true });
  let stopMessage = '';
  const shipper = new LogShipper(
    run.session,
    {
      taskId: run.taskId,
      attempt: run.attempt,
      everyMs: logEveryMs(),
      maxChars: logMaxChars(),
      secrets: run.secrets,
      onStop: (message) => {
        stopMessage = message;
        run.say(`stopped by a person: ${message}`);
        controller.abort();
      },
      onProblem: run.say,
    },
    charsSent.get(run.taskId) ?? 0,
  );
  shipper.start();
  const started = performance.now();
  let outcome: CommandOutcome;
  try {
    outcome = await runCommand({ ...run, signal: controller.signal, onOutput: (stream, chunk) => shipper.write(stream, chunk) });
  } finally {
    run.signal.removeEventListener('abort', onAbort);
    await shipper.finish();
    charsSent.set(run.taskId, shipper.charsUsed);
  }
  const seconds = (performance.now() - started) / 1000;
  const byPerson = outcome.kind === 'stopped' && shipper.stopRequested;
  await report(run, seconds, byPerson ? 'stopped' : exitOf(outcome), shipper.usage);
  return byPerson ? { kind: 'stopped_by_person', message: stopMessage, tail: outcome.tail } : outcome;
}

const exitOf = (outcome: CommandOutcome) => (outcome.kind === 'exited' ? `exit ${outcome.code}` : outcome.kind === 'timeout' ? 'timeout' : 'stopped');

/** The report carries an id of its own: the session sends it again after a network error, and it counts once. */
async function report(run: AttemptRun, seconds: number, exit: string, usage: ReportedUsage | undefined): Promise<void> {
  try {
    await run.session.call('report_attempt', {
      taskId: run.taskId,
      attempt: run.attempt,
      attemptId: randomUUID(),
      seconds: Math.round(seconds * 1000) / 1000,
      exit,
      ...(usage?.inputTokens !== undefined ? { inputTokens: Math.round(usage.inputTokens) } : {}),
      ...(usage?.outputTokens !== undefined ? { outputTokens: Math.round(usage.outputTokens) } : {}),
      ...(usage?.costUsd !== undefined ? { costUsd: usage.costUsd } : {}),
    });
  } catch (error) {
    run.say(`could not report the attempt's usage: ${error instanceof Error ? error.message : String(error)}`);
  }
}
