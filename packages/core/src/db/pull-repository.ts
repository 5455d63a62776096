import { getItem, tableName, versionedPut, type TransactItem } from './store.js';

/**
 * A pull request aiworker opened for a task, keyed by repository and number (`PULL#owner/repo#n`), so a
 * Gitea webhook about it finds its task with one GetItem. Written when the pull request job succeeds;
 * webhooks keep here what makes out-of-order deliveries converge: a merge or a close is final for the
 * reviews that come after it, and a review older than the newest one applied changes nothing.
 */
export interface PullLink {
  owner: string;
  repo: string;
  number: number;
  taskId: string;
  projectId: string;
  /** Merged in Gitea (final). */
  merged?: boolean;
  /** Closed without merging (until reopened). */
  closed?: boolean;
  /** `pull_request.updated_at` of the newest review applied. */
  reviewedAt?: string;
  version: number;
}

export const pullPk = (owner: string, repo: string, number: number) => `PULL#${owner.toLowerCase()}/${repo.toLowerCase()}#${number}`;
const SK = 'PULL';

export const pullRepository = {
  get: (owner: string, repo: string, number: number) => getItem<PullLink>(pullPk(owner, repo, number), SK),
  /** Links the pull request to its task; keeps what webhooks recorded if the link exists already. */
  link: (link: Omit<PullLink, 'version'>): TransactItem => ({
    Update: {
      TableName: tableName(),
      Key: { pk: pullPk(link.owner, link.repo, link.number), sk: SK },
      UpdateExpression: 'SET #owner = :owner, #repo = :repo, #number = :number, taskId = :taskId, projectId = :projectId, version = if_not_exists(version, :zero) + :one',
      ExpressionAttributeNames: { '#owner': 'owner', '#repo': 'repo', '#number': 'number' },
      ExpressionAttributeValues: { ':owner': link.owner, ':repo': link.repo, ':number': link.number, ':taskId': link.taskId, ':projectId': link.projectId, ':zero': 0, ':one': 1 },
    },
  }),
  /** Writes the link's new state, only if it is still at `expectedVersion`. */
  put: (next: PullLink, expectedVersion: number): TransactItem =>
    versionedPut({ ...next, pk: pullPk(next.owner, next.repo, next.number), sk: SK }, expectedVersion),
};
