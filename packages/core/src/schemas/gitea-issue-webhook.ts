import * as z from 'zod/mini';
import { define } from './common.js';

/**
 * The parts of Gitea's IssuePayload (`issues`, `issue_label` events; modules/structs/hook.go) aiworker reads.
 * Every such payload carries the whole issue as it is after the change (title, body, state, labels,
 * `updated_at`): aiworker acts on that snapshot, not on the action. Loose objects, like the other payloads.
 */
const upTo = (max: number) => z.string().check(z.maxLength(max));
const Login = /* @__PURE__ */ define(() => z.looseObject({ login: z.string().check(z.minLength(1), z.maxLength(255)) }));

export const GiteaIssueSchema = /* @__PURE__ */ define(() =>
  z.looseObject({
    number: z.int().check(z.positive()),
    title: upTo(1_000),
    body: z.nullish(upTo(1_000_000)),
    state: z.string().check(z.maxLength(32)),
    html_url: z.nullish(upTo(2048)),
    updated_at: z.nullish(upTo(64)),
    user: z.nullish(Login),
    labels: z.nullish(z.array(z.looseObject({ name: upTo(255) })).check(z.maxLength(1000))),
    pull_request: z.nullish(z.looseObject({})),
  }),
);
export type GiteaIssue = z.infer<typeof GiteaIssueSchema>;

export const IssuePayloadSchema = /* @__PURE__ */ define(() =>
  z.looseObject({
    action: z.string().check(z.minLength(1), z.maxLength(64)),
    issue: GiteaIssueSchema,
    repository: z.looseObject({ name: z.string().check(z.minLength(1), z.maxLength(255)), owner: Login }),
    sender: Login,
  }),
);
export type IssuePayload = z.infer<typeof IssuePayloadSchema>;
