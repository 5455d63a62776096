import { shortId } from '../ids.js';

const MAX_SLUG = 40;

/** Lowercase a-z, 0-9 and single dashes, at most 40 characters, no dash at either end. */
export function slugify(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, MAX_SLUG)
    .replace(/^-+|-+$/g, '');
}

/** The Gitea branch of a task: `task-{shortId}-{slug-of-title}` (just `task-{shortId}` for a title with no letters or digits). */
export function taskBranchName(task: { id: string; title: string }): string {
  const slug = slugify(task.title);
  return slug ? `task-${shortId(task.id)}-${slug}` : `task-${shortId(task.id)}`;
}
