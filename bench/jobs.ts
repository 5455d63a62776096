/**
 * Job pipeline: branch jobs (core `requestBranch`, what POST /api/tasks/{id}/branch and create_branch run)
 * on BENCH_JOBS tasks in progress, through SQS (fauxqs), the local SQS poller and the worker handler, into
 * the Gitea stand-in at 0 ms and 50 ms latency, with 1, 4 and 16 pollers. Timed from the first enqueue
 * until the worker has answered every job's message without a failure (each job then succeeded and its
 * task carries branchName — checked afterwards, untimed).
 *
 * Floor, at the same concurrency on the same fauxqs: the same number of SendMessage calls (same send
 * concurrency) through the very same poller (ReceiveMessage of up to 10, DeleteMessageBatch) with a
 * worker that does nothing — i.e. raw SQS send + receive + delete throughput. It runs just before ours.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { queue } from '../infra/queue.js';
import { supplySecrets } from '../packages/local/src/secrets.js';
import { createProject, createTask, getJob, getTask, requestBranch, transitionTask } from '../packages/core/src/index.js';
import { startGiteaStandIn } from '@aiworker/gitea-standin';
import { loadHandler, type LambdaHandler } from '../packages/local/src/handler-loader.js';
import { startWorkerPoller } from '../packages/local/src/worker-poller.js';
import type { BenchContext } from './context.js';
import { inParallel, seconds } from './pool.js';
import { figure, round, type Figure } from './stats.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 200);
const LATENCIES = (process.env.BENCH_JOBS_LATENCIES ?? '0,50').split(',').map(Number);
const CONCURRENCIES = (process.env.BENCH_JOBS_CONCURRENCY ?? '1,4,16').split(',').map(Number);
/** Enqueue calls in flight at once (the API side), the same for the floor's sends. */
const SEND_CONCURRENCY = 8;
const DEADLINE_MS = 180_000;

/**
 * Runs a poller with `concurrency` loops whose worker is `inner`; resolves with the seconds from `produce()`
 * starting until `expected` messages (those `mine` accepts) were answered without a failure.
 */
async function pipeline(
  ctx: BenchContext,
  concurrency: number,
  inner: LambdaHandler,
  mine: (body: string) => boolean,
  expected: number,
  produce: () => Promise<unknown>,
): Promise<{ seconds: number; enqueueSeconds: number; batches: number; failedRecords: number }> {
  let done = 0;
  let batches = 0;
  let failedRecords = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const invoke: LambdaHandler = async (event: SQSEvent, context) => {
    const response = (await inner(event, context)) as { batchItemFailures?: { itemIdentifier: string }[] } | undefined;
    const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    batches++;
    failedRecords += failed.size;
    done += event.Records.filter((record) => !failed.has(record.messageId) && mine(record.body)).length;
    if (done >= expected) finish();
    return response;
  };
  const poller = await startWorkerPoller({ sqsEndpoint: ctx.sqsEndpoint, queueUrl: ctx.runtime.queueUrl, concurrency, invoke });
  try {
    const start = process.hrtime.bigint();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`job pipeline: only ${done}/${expected} done after ${DEADLINE_MS} ms`)), DEADLINE_MS);
    });
    let enqueueSeconds = 0;
    const produced = produce().then(() => (enqueueSeconds = seconds(start)));
    await Promise.race([Promise.all([produced, finished]), timeout]).finally(() => clearTimeout(timer));
    return { seconds: seconds(start), enqueueSeconds, batches, failedRecords };
  } finally {
    await poller.stop();
  }
}

export async function benchJobs(ctx: BenchContext): Promise<Figure[]> {
  const gitea = await startGiteaStandIn();
  const previous = process.env.GITEA_URL;
  process.env.GITEA_URL = gitea.url;
  supplySecrets({ GiteaToken: gitea.token });
  const sqs = new SQSClient({ endpoint: ctx.sqsEndpoint, region: process.env.AWS_REGION ?? 'us-east-1' });
  const worker = await loadHandler(queue.worker);
  const owner = [...gitea.state.users.values()][0].login;
  const figures: Figure[] = [];
  const run = async (latencyMs: number, concurrency: number, count: number): Promise<Figure> => {
    gitea.latencyMs = 0;
    const repo = `bench-${latencyMs}-${concurrency}-${Date.now()}`;
    gitea.state.createRepo({ owner, name: repo, defaultBranch: 'main', autoInit: true });
    const project = await createProject({ name: repo, giteaOwner: owner, giteaRepo: repo, defaultBranch: 'main' });
    const tasks: string[] = [];
    await inParallel(count, 16, async (i) => {
      const task = await createTask({ projectId: project.id, title: `Job bench ${i}`, priority: 50 });
      await transitionTask(task.id, { to: 'in_progress' });
      tasks.push(task.id);
    });

    // Floor: the same number of messages through the same poller, with a worker that does nothing.
    const marker = `floor-${repo}`;
    const floor = await pipeline(
      ctx,
      concurrency,
      async () => ({ batchItemFailures: [] }),
      (body) => body.includes(marker),
      count,
      () => inParallel(count, SEND_CONCURRENCY, (i) => sqs.send(new SendMessageCommand({ QueueUrl: ctx.runtime.queueUrl, MessageBody: JSON.stringify({ jobId: `${marker}-${i}` }) }))),
    );

    // Ours: requestBranch per task (job recorded in DynamoDB, message sent), the real worker, Gitea at latencyMs.
    gitea.latencyMs = latencyMs;
    const jobIds = new Set<string>();
    const ours = await pipeline(
      ctx,
      concurrency,
      worker,
      (body) => jobIds.has((JSON.parse(body) as { jobId: string }).jobId),
      count,
      () => inParallel(count, SEND_CONCURRENCY, async (i) => jobIds.add((await requestBranch(tasks[i])).id)),
    );
    gitea.latencyMs = 0;

    // Every job succeeded and every task carries its branch (untimed).
    const jobs = await Promise.all([...jobIds].map((id) => getJob(id)));
    const notSucceeded = jobs.filter((job) => job.status !== 'succeeded').length;
    const withoutBranch = (await Promise.all(tasks.map((id) => getTask(id)))).filter((task) => !task.branchName).length;
    const branches = gitea.state.repo(owner, repo)!.branches.size - 1;
    if (notSucceeded || withoutBranch || branches !== count) {
      throw new Error(`job pipeline ${latencyMs} ms x${concurrency}: ${notSucceeded} jobs not succeeded, ${withoutBranch} tasks without branch, ${branches} branches in Gitea`);
    }
    const giteaCalls = gitea.requests.filter((request) => request.path.includes(`/${repo}/`)).length;
    gitea.reset();
    return figure(`jobs/s, gitea ${latencyMs} ms, ${concurrency} poller${concurrency === 1 ? '' : 's'}`, count / ours.seconds, count / floor.seconds, 'jobs/s', undefined, {
      jobs: count,
      seconds: round(ours.seconds),
      enqueueSeconds: round(ours.enqueueSeconds),
      floorSeconds: round(floor.seconds),
      batches: ours.batches,
      failedRecords: ours.failedRecords,
      giteaCallsPerJob: round(giteaCalls / count),
      floorIs: 'SendMessage ×N (same send concurrency) + the same poller (Receive up to 10, DeleteMessageBatch) with a no-op worker',
    });
  };
  try {
    // Warm-up (JIT, connections, the stand-in), untimed.
    await run(0, 4, 40);
    for (const latencyMs of LATENCIES) {
      for (const concurrency of CONCURRENCIES) figures.push(await run(latencyMs, concurrency, JOBS));
    }
  } finally {
    gitea.latencyMs = 0;
    sqs.destroy();
    await gitea.close();
    process.env.GITEA_URL = previous;
    if (previous === undefined) delete process.env.GITEA_URL;
  }
  return figures;
}
