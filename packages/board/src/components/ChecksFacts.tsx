import type { Task } from '../api/client';
import { isWebLink } from '../lib/links';

/**
 * CI and the preview on a card and in the drawer (docs/ci.md, docs/previews.md): the combined state of the
 * pull request's head with the first failing check's link, "waits for you" once the automatic CI rounds are
 * used up, and a "Preview" link while the preview is up.
 */
const CI_LABEL: Record<string, string> = { success: 'passing', pending: 'running', failure: 'failing', error: 'failing', warning: 'warning' };

type Context = NonNullable<Task['checks']>['contexts'][number];
const failing = (task: Task): Context | undefined => task.checks?.contexts.find((context) => context.state === 'failure' || context.state === 'error');
const previewLink = (task: Task): string | undefined => (task.preview && task.preview.state !== 'removed' && isWebLink(task.preview.url) ? task.preview.url : undefined);

/** Facts (`<div><dt><dd>`) for a card's list. */
export function CheckFacts({ task }: { task: Task }) {
  const state = task.checks?.state;
  const broken = failing(task);
  const preview = previewLink(task);
  return (
    <>
      {state && (
        <div class={`ci ci-${state}`}>
          <dt>CI</dt>
          <dd>
            {broken && isWebLink(broken.targetUrl) ? (
              <a href={broken.targetUrl} target="_blank" rel="noreferrer" title={broken.description}>
                {CI_LABEL[state] ?? state}: {broken.context}
              </a>
            ) : (
              <span title={task.checks?.contexts.map((context) => `${context.context}: ${context.state}`).join('\n')}>{CI_LABEL[state] ?? state}</span>
            )}
            {task.checks?.waiting && <strong class="ci-waiting" title={task.checks.waiting}> · waits for you</strong>}
          </dd>
        </div>
      )}
      {preview && (
        <div class="preview">
          <dt>Preview</dt>
          <dd>
            <a href={preview} target="_blank" rel="noreferrer">
              Preview{task.preview?.state === 'pending' ? ' (deploying)' : ''}
            </a>
          </dd>
        </div>
      )}
    </>
  );
}

/** The drawer's section: every check of the head, with its link, and the preview. */
export function ChecksSection({ task }: { task: Task }) {
  const preview = previewLink(task);
  if (!task.checks?.contexts.length && !preview) return null;
  return (
    <section aria-labelledby="checks-title">
      <h3 id="checks-title">Checks</h3>
      {preview && (
        <p>
          <a class="preview-link" href={preview} target="_blank" rel="noreferrer">
            Preview
          </a>
        </p>
      )}
      {task.checks?.waiting && <p class="banner error">{task.checks.waiting}</p>}
      {task.checks && task.checks.contexts.length > 0 && (
        <ul class="checks">
          {task.checks.contexts.map((context) => (
            <li key={context.context} class={`ci-${context.state}`}>
              <strong>{context.context}</strong>: {context.state}
              {context.description && ` — ${context.description}`}{' '}
              {isWebLink(context.targetUrl) && (
                <a href={context.targetUrl} target="_blank" rel="noreferrer">
                  details
                </a>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
