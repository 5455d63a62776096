/**
 * Gitea's webhook payloads (modules/structs/hook.go, 1.22). They are not in the API description, but
 * every object inside them is (PullRequest, Repository, User, Issue, Comment), so the stand-in checks
 * each payload it sends against these envelopes with `$ref`s into Gitea's own definitions.
 */

/** HookEventType → the X-Gitea-Event header (webhook_module.HookEventType.Event()). */
export function eventHeader(eventType: string): string {
  switch (eventType) {
    case 'pull_request_comment':
    case 'issue_comment':
      return 'issue_comment';
    case 'pull_request_review_approved':
      return 'pull_request_approved';
    case 'pull_request_review_rejected':
      return 'pull_request_rejected';
    case 'pull_request_review_comment':
      return 'pull_request_comment';
    case 'issue_assign':
    case 'issue_label':
    case 'issue_milestone':
      return 'issues';
    default:
      return eventType.startsWith('pull_request') ? 'pull_request' : eventType;
  }
}

/** Every pull request hook event type; `pull_request` in a hook's events turns all of them on (Gitea's pullHook). */
export const PULL_REQUEST_EVENTS = [
  'pull_request',
  'pull_request_assign',
  'pull_request_label',
  'pull_request_milestone',
  'pull_request_comment',
  'pull_request_review_approved',
  'pull_request_review_rejected',
  'pull_request_review_comment',
  'pull_request_sync',
  'pull_request_review_request',
] as const;

/** `issues` in a hook's events turns on these (Gitea's issuesHook). */
export const ISSUE_EVENTS = ['issues', 'issue_assign', 'issue_label', 'issue_milestone'] as const;

/** The hook event types a hook's `events` option turns on (routers/api/v1/utils/hook.go). */
export function expandEvents(events: string[] | undefined): string[] {
  const asked = new Set((events && events.length ? events : ['push']).map((event) => event.toLowerCase()));
  const on = new Set<string>();
  for (const event of asked) if (!event.startsWith('pull_request')) on.add(event);
  if (asked.has('issues')) for (const event of ISSUE_EVENTS) on.add(event);
  for (const event of PULL_REQUEST_EVENTS) {
    const review = event.startsWith('pull_request_review_') && event !== 'pull_request_review_request' && asked.has('pull_request_review');
    if (asked.has('pull_request') || asked.has(event) || review) on.add(event);
  }
  return [...on];
}

const ref = (name: string) => ({ $ref: `#/definitions/${name}` });

export const PullRequestPayloadSchema = {
  type: 'object',
  required: ['action', 'number', 'pull_request', 'repository', 'sender', 'commit_id', 'review', 'requested_reviewer'],
  additionalProperties: false,
  properties: {
    action: { type: 'string', enum: ['opened', 'closed', 'reopened', 'edited', 'synchronized', 'reviewed', 'review_requested', 'review_request_removed'] },
    number: { type: 'integer' },
    changes: { type: 'object' },
    pull_request: ref('PullRequest'),
    requested_reviewer: ref('User'),
    repository: ref('Repository'),
    sender: ref('User'),
    commit_id: { type: 'string' },
    review: {
      type: 'object',
      required: ['type', 'content'],
      additionalProperties: false,
      properties: { type: { type: 'string' }, content: { type: 'string' } },
    },
  },
};

export const IssueCommentPayloadSchema = {
  type: 'object',
  required: ['action', 'issue', 'comment', 'repository', 'sender', 'is_pull'],
  additionalProperties: false,
  properties: {
    action: { type: 'string', enum: ['created', 'edited', 'deleted'] },
    issue: ref('Issue'),
    pull_request: ref('PullRequest'),
    comment: ref('Comment'),
    changes: { type: 'object' },
    repository: ref('Repository'),
    sender: ref('User'),
    is_pull: { type: 'boolean' },
  },
};

/** Gitea's IssuePayload (`issues`, `issue_label`, …). */
export const IssuePayloadSchema = {
  type: 'object',
  required: ['action', 'number', 'issue', 'repository', 'sender', 'commit_id'],
  additionalProperties: false,
  properties: {
    action: { type: 'string', enum: ['opened', 'closed', 'reopened', 'edited', 'assigned', 'unassigned', 'label_updated', 'label_cleared', 'milestoned', 'demilestoned'] },
    number: { type: 'integer' },
    changes: { type: 'object' },
    issue: ref('Issue'),
    repository: ref('Repository'),
    sender: ref('User'),
    commit_id: { type: 'string' },
  },
};

/** CommitStatusPayload (`status` events; Gitea sends them from 1.23 on, the stand-in does too). */
export const CommitStatusPayloadSchema = {
  type: 'object',
  required: ['commit', 'context', 'created_at', 'description', 'id', 'repository', 'sender', 'sha', 'state', 'target_url'],
  additionalProperties: false,
  properties: {
    commit: ref('PayloadCommit'),
    context: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
    description: { type: 'string' },
    id: { type: 'integer' },
    repository: ref('Repository'),
    sender: ref('User'),
    sha: { type: 'string' },
    state: { type: 'string', enum: ['pending', 'success', 'error', 'failure', 'warning'] },
    target_url: { type: 'string' },
    updated_at: { type: 'string', format: 'date-time' },
  },
};
