import * as z from 'zod/mini';
import { described, define } from './common.js';

/**
 * The parts of Gitea's webhook payloads aiworker reads (Gitea's modules/structs/hook.go:
 * PullRequestPayload and IssueCommentPayload). Loose objects: Gitea sends much more, and what it adds
 * in later versions must not turn a delivery into a refusal.
 */
const upTo = (max: number) => z.string().check(z.maxLength(max));
const Login = /* @__PURE__ */ define(() => z.looseObject({ login: z.string().check(z.minLength(1), z.maxLength(255)) }));

const Repository = /* @__PURE__ */ define(() =>
  z.looseObject({
    name: z.string().check(z.minLength(1), z.maxLength(255)),
    owner: Login,
  }),
);

const PullRequest = /* @__PURE__ */ define(() =>
  z.looseObject({
    number: z.int().check(z.positive()),
    merged: z.nullish(z.boolean()),
    updated_at: z.nullish(upTo(64)),
    html_url: z.nullish(upTo(2048)),
    user: z.nullish(Login),
    head: z.nullish(z.looseObject({ ref: z.nullish(upTo(1024)), sha: z.nullish(upTo(128)) })),
  }),
);

export const PullRequestPayloadSchema = /* @__PURE__ */ define(() =>
  z.looseObject({
    action: z.string().check(z.minLength(1), z.maxLength(64)),
    pull_request: PullRequest,
    repository: Repository,
    sender: Login,
    review: z.nullish(z.looseObject({ type: upTo(128), content: z.nullish(upTo(1_000_000)) })),
  }),
);
export type PullRequestPayload = z.infer<typeof PullRequestPayloadSchema>;

export const IssueCommentPayloadSchema = /* @__PURE__ */ define(() =>
  z.looseObject({
    action: z.string().check(z.minLength(1), z.maxLength(64)),
    issue: z.looseObject({ number: z.int().check(z.positive()), user: z.nullish(Login), updated_at: z.nullish(upTo(64)) }),
    comment: z.looseObject({ id: z.nullish(z.int().check(z.positive())), body: upTo(1_000_000), user: z.nullish(Login) }),
    pull_request: z.nullish(PullRequest),
    is_pull: z.nullish(z.boolean()),
    repository: Repository,
    sender: Login,
  }),
);
export type IssueCommentPayload = z.infer<typeof IssueCommentPayloadSchema>;

/** What the receiver answers Gitea (and what Gitea shows in the hook's recent deliveries). */
export const WebhookReceiptSchema = /* @__PURE__ */ define(() =>
  z
    .object({
      delivery: z.string(),
      event: z.string(),
      outcome: described(
        z.enum(['applied', 'duplicate', 'ignored']),
        'applied: the task changed or an event was recorded; duplicate: this delivery was seen before; ignored: nothing for aiworker',
      ),
      taskId: z.optional(z.string()),
      state: z.optional(described(z.string(), 'The task state after the delivery')),
      message: z.string(),
    })
    .check(z.meta({ id: 'WebhookReceipt' })),
);
export type WebhookReceipt = z.infer<typeof WebhookReceiptSchema>;

/** Gitea's id of one delivery (a UUID): what makes a delivery idempotent. */
export const GiteaDeliveryIdSchema = /* @__PURE__ */ define(() =>
  z.string().check(z.trim(), z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9._:-]+$/, 'may only contain letters, digits, ".", "_", ":" and "-"')),
);
