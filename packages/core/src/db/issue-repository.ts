import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './client.js';
import { getItem, tableName, versionedPut, type TransactItem } from './store.js';

/**
 * A Gitea issue that became a task, keyed by repository and number (`ISSUE#owner/repo#n`): one task per
 * issue, whatever deliveries arrive twice or out of order. It keeps the `updated_at` of the newest issue
 * snapshot applied (older ones change nothing) and the id of the one progress comment aiworker keeps on the
 * issue (issue-progress.ts), with a short lease so two jobs never both create it.
 */
export interface IssueLink {
  owner: string;
  repo: string;
  number: number;
  taskId: string;
  projectId: string;
  url: string;
  /** `issue.updated_at` (an ISO instant) of the newest snapshot applied. */
  updatedAt?: string;
  /** The progress comment's id in Gitea. */
  commentId?: number;
  /** Until when a job is creating the comment (ISO instant). */
  commentLease?: string;
  /** The task version the comment shows. */
  commentVersion?: number;
  version: number;
}

export const issuePk = (owner: string, repo: string, number: number) => `ISSUE#${owner.toLowerCase()}/${repo.toLowerCase()}#${number}`;
const SK = 'ISSUE';

async function conditionalUpdate(link: Pick<IssueLink, 'owner' | 'repo' | 'number'>, update: string, condition: string, values: Record<string, unknown>, remove?: string): Promise<boolean> {
  try {
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: { pk: issuePk(link.owner, link.repo, link.number), sk: SK },
        UpdateExpression: `SET ${[update, 'version = version + :one'].filter(Boolean).join(', ')}${remove ? ` REMOVE ${remove}` : ''}`,
        ConditionExpression: `attribute_exists(pk) AND ${condition}`,
        ExpressionAttributeValues: { ...values, ':one': 1 },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export const issueRepository = {
  get: (owner: string, repo: string, number: number) => getItem<IssueLink>(issuePk(owner, repo, number), SK),
  /** Writes the link: new (`expectedVersion` undefined: only if there is none) or at `expectedVersion`. */
  put: (link: IssueLink, expectedVersion: number | undefined): TransactItem =>
    versionedPut({ ...link, pk: issuePk(link.owner, link.repo, link.number), sk: SK }, expectedVersion),
  /** Takes the right to create the progress comment until `until`, unless it exists or another job holds it. */
  leaseComment: (link: IssueLink, at: string, until: string) =>
    conditionalUpdate(link, 'commentLease = :until', 'attribute_not_exists(commentId) AND (attribute_not_exists(commentLease) OR commentLease < :at)', { ':until': until, ':at': at }),
  /** Gives the lease back (a job that failed after taking it): only the lease taken until `until`. */
  releaseLease: (link: IssueLink, until: string) => conditionalUpdate(link, '', 'commentLease = :until', { ':until': until }, 'commentLease'),
  /** Records the comment made under the lease (only if no other one was recorded). */
  recordComment: (link: IssueLink, commentId: number, shownVersion: number) =>
    conditionalUpdate(link, 'commentId = :id, commentVersion = :shown', 'attribute_not_exists(commentId)', { ':id': commentId, ':shown': shownVersion }, 'commentLease'),
  /** Forgets a comment that is gone from Gitea (a person deleted it), so the next job makes a new one. */
  forgetComment: (link: IssueLink, commentId: number) =>
    conditionalUpdate(link, 'commentVersion = :zero', 'commentId = :id', { ':id': commentId, ':zero': 0 }, 'commentId'),
  /** Records which task version the comment shows (never goes back). */
  shown: (link: IssueLink, shownVersion: number) =>
    conditionalUpdate(link, 'commentVersion = :shown', '(attribute_not_exists(commentVersion) OR commentVersion < :shown)', { ':shown': shownVersion }),
};
