import { api, call, type BoardTask, type Task } from '../api/client';

/** The Gitea jobs of a task a person can ask for again, by job type: what the Retry button says and calls. */
const RETRIES: Record<string, { label: string; done: string; request: (id: string) => Promise<unknown> }> = {
  create_branch: {
    label: 'create the branch',
    done: 'Branch requested again: the worker creates it in Gitea',
    request: (id) => call(api.POST('/api/tasks/{id}/branch', { params: { path: { id } } })),
  },
  create_pull_request: {
    label: 'open the pull request',
    done: 'Pull request requested again: the worker opens it in Gitea',
    request: (id) => call(api.POST('/api/tasks/{id}/pull-request', { params: { path: { id } } })),
  },
  merge_pull_request: {
    label: 'merge the pull request',
    done: 'Merge requested again: the worker merges the pull request in Gitea',
    request: (id) => call(api.POST('/api/tasks/{id}/merge', { params: { path: { id } } })),
  },
};

/** The type of the job a task's `lastError` is about (tasks failed before `failedJob` existed: from the error's words). */
export function failedJobType(task: Task | BoardTask): string | undefined {
  return task.failedJob?.type ?? /^(\w+) job /.exec(task.lastError ?? '')?.[1];
}

/** How to ask for a task's failed job again, when a route does that for its type. */
export const retryOf = (task: Task | BoardTask) => {
  const type = failedJobType(task);
  return type ? RETRIES[type] : undefined;
};

/** A task's `lastError` in words: `create branch: <Gitea's error>` (the job id stays in the raw text). */
export function failedJobText(task: Task | BoardTask): string {
  const error = task.lastError ?? '';
  const parsed = /^(\w+) job \S+ failed: ([\s\S]*)$/.exec(error);
  return parsed ? `${parsed[1].replace(/_/g, ' ')}: ${parsed[2]}` : error;
}
