import { describe, expect, it } from 'vitest';
import { ciFeedback, combined, mergeChecks, undecided, type ObservedStatus } from '../../packages/core/src/services/ci-checks.js';
import { previewOf } from '../../packages/core/src/services/previews.js';

const status = (over: Partial<ObservedStatus>): ObservedStatus => ({
  context: 'ci/test',
  state: 'pending',
  description: '',
  targetUrl: '',
  id: 1,
  updatedAt: '2026-12-03T07:00:00Z',
  source: 'webhook',
  ...over,
});
const HEAD = 'a'.repeat(40);
const OLD = 'b'.repeat(40);

describe('merging statuses into a task\'s checks (docs/ci.md)', () => {
  it('keeps the newest status per context whatever the order, and a replay changes nothing', () => {
    const pending = status({ id: 1 });
    const failed = status({ id: 2, state: 'failure', description: '2 failed', targetUrl: 'https://ci.example.com/2' });
    const inOrder = mergeChecks(mergeChecks(undefined, { sha: HEAD, statuses: [pending], isHead: true }), { sha: HEAD, statuses: [failed], isHead: false });
    const reversed = mergeChecks(undefined, { sha: HEAD, statuses: [failed], isHead: true });
    expect(mergeChecks(reversed, { sha: HEAD, statuses: [pending], isHead: false })).toBeUndefined();
    expect(mergeChecks(inOrder, { sha: HEAD, statuses: [failed], isHead: false })).toBeUndefined();
    expect(inOrder).toEqual(reversed);
    expect(inOrder).toMatchObject({ sha: HEAD, state: 'failure', rounds: 0, contexts: [{ context: 'ci/test', state: 'failure', targetUrl: 'https://ci.example.com/2' }] });
  });

  it('a webhook status in the same second as one read from Gitea, saying something else, is undecided (Gitea is asked again)', () => {
    // The race behind a task CI never sent back: a sync_checks job read `pending` from Gitea's combined status,
    // then the `failure` posted in the same second arrived by webhook. The two ids are different sequences in
    // Gitea, so neither can be called newer; the webhook's receiver asks for a sync job when this is so.
    const pendingFromApi = status({ id: 1, source: 'api' });
    const failedByWebhook = status({ id: 907, state: 'failure', description: '2 failed' });
    const afterSync = mergeChecks(undefined, { sha: HEAD, statuses: [pendingFromApi], isHead: true });
    expect(mergeChecks(afterSync, { sha: HEAD, statuses: [failedByWebhook], isHead: false })).toBeUndefined();
    expect(undecided(afterSync, HEAD, failedByWebhook)).toBe(true);
    // Not undecided: the same words, another second, another head, or nothing kept yet.
    expect(undecided(afterSync, HEAD, status({ id: 907 }))).toBe(false);
    expect(undecided(afterSync, HEAD, { ...failedByWebhook, updatedAt: '2026-12-03T07:00:01Z' })).toBe(false);
    expect(undecided(afterSync, OLD, failedByWebhook)).toBe(false);
    expect(undecided(undefined, HEAD, failedByWebhook)).toBe(false);
  });

  it('a status for another head changes nothing unless Gitea just said it is the head; rounds carry over', () => {
    const checks = { ...mergeChecks(undefined, { sha: OLD, statuses: [status({ state: 'failure' })], isHead: true })!, rounds: 2, sentBackFor: OLD };
    expect(mergeChecks(checks, { sha: HEAD, statuses: [status({ state: 'success' })], isHead: false })).toBeUndefined();
    expect(mergeChecks(checks, { sha: HEAD, statuses: [status({ state: 'success' })], isHead: true })).toEqual({
      sha: HEAD,
      state: 'success',
      rounds: 2,
      contexts: [expect.objectContaining({ context: 'ci/test', state: 'success' })],
    });
  });

  it('combines like Gitea: the worst state wins; only http(s) links are kept', () => {
    expect(combined([{ state: 'success' }, { state: 'pending' }])).toBe('pending');
    expect(combined([{ state: 'warning' }, { state: 'failure' }, { state: 'error' }])).toBe('error');
    expect(combined([])).toBeUndefined();
    const checks = mergeChecks(undefined, { sha: HEAD, statuses: [status({ state: 'error', description: 'lost', targetUrl: 'javascript:alert(1)' })], isHead: true })!;
    expect(checks.contexts[0].targetUrl).toBeUndefined();
    expect(ciFeedback(checks)).toBe(`CI failed on ${HEAD.slice(0, 12)}:\n- ci/test: error — lost`);
  });

  it('the preview follows its context; a status saying "removed" takes the link off', () => {
    const up = mergeChecks(undefined, { sha: HEAD, statuses: [status({ context: 'preview', state: 'success', targetUrl: 'https://pr-3.example.com/' })], isHead: true });
    const preview = previewOf(undefined, 'preview', up);
    expect(preview).toEqual({ url: 'https://pr-3.example.com/', state: 'success', sha: HEAD });
    expect(previewOf(undefined, undefined, up)).toBeUndefined();
    const gone = mergeChecks(up, { sha: HEAD, statuses: [status({ context: 'preview', id: 2, state: 'success', description: 'removed pr-3' })], isHead: false });
    expect(previewOf(preview, 'preview', gone)).toMatchObject({ state: 'removed' });
  });
});
