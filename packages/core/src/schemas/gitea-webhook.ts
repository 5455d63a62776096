import * as z from 'zod';

/**
 * The parts of Gitea's webhook payloads aiworker reads (Gitea's modules/structs/hook.go:
 * PullRequestPayload and IssueCommentPayload). Loose objects: Gitea sends much more, and what it adds
 * in later versions must not turn a delivery into a 400.
 */
const Login = z.looseObject({ login: z.string().min(1).max(255) });

const Repository = z.looseObject({
  name: z.string().min(1).max(255),
  owner: Login,
});

const PullRequest = z.looseObject({
  number: z.number().int().positive(),
  merged: z.boolean().nullish(),
  updated_at: z.string().max(64).nullish(),
  html_url: z.string().max(2048).nullish(),
  user: Login.nullish(),
  head: z.looseObject({ ref: z.string().max(1024).nullish(), sha: z.string().max(128).nullish() }).nullish(),
});

export const PullRequestPayloadSchema = z.looseObject({
  action: z.string().min(1).max(64),
  pull_request: PullRequest,
  repository: Repository,
  sender: Login,
  review: z.looseObject({ type: z.string().max(128), content: z.string().max(1_000_000).nullish() }).nullish(),
});
export type PullRequestPayload = z.infer<typeof PullRequestPayloadSchema>;

export const IssueCommentPayloadSchema = z.looseObject({
  action: z.string().min(1).max(64),
  issue: z.looseObject({ number: z.number().int().positive(), user: Login.nullish(), updated_at: z.string().max(64).nullish() }),
  comment: z.looseObject({ body: z.string().max(1_000_000), user: Login.nullish() }),
  pull_request: PullRequest.nullish(),
  is_pull: z.boolean().nullish(),
  repository: Repository,
  sender: Login,
});
export type IssueCommentPayload = z.infer<typeof IssueCommentPayloadSchema>;

/** What the receiver answers Gitea (and what Gitea shows in the hook's recent deliveries). */
export const WebhookReceiptSchema = z
  .object({
    delivery: z.string(),
    event: z.string(),
    outcome: z.enum(['applied', 'duplicate', 'ignored']).describe('applied: the task changed or an event was recorded; duplicate: this delivery was seen before; ignored: nothing for aiworker'),
    taskId: z.string().optional(),
    state: z.string().optional().describe('The task state after the delivery'),
    message: z.string(),
  })
  .meta({ id: 'WebhookReceipt' });
export type WebhookReceipt = z.infer<typeof WebhookReceiptSchema>;

/** For the OpenAPI document only: the receiver reads the raw bytes (the signature covers them). */
export const GiteaWebhookBodySchema = z
  .looseObject({ action: z.string().optional(), repository: z.looseObject({}).optional(), sender: z.looseObject({}).optional() })
  .describe('A Gitea webhook payload (pull_request, pull_request_sync, pull_request_review_*, pull_request_comment), signed with X-Gitea-Signature')
  .meta({ id: 'GiteaWebhook' });
