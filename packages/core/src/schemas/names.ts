import * as z from 'zod/mini';
import { define } from './common.js';

/**
 * The names aiworker sends to Gitea, held to Gitea's own rules (Gitea 1.22: `IsValidUsername` and the
 * reserved user names for owners, `AlphaDashDot`/`MaxSize(100)` and the reserved repository names for
 * repositories) and to git's for branches (`git check-ref-format --branch`). Each check returns what is
 * wrong in words, or undefined when the name is fine.
 */

const RESERVED_OWNERS = new Set([
  '.',
  '..',
  '.well-known',
  'admin',
  'api',
  'assets',
  'attachments',
  'avatar',
  'avatars',
  'captcha',
  'commits',
  'debug',
  'error',
  'explore',
  'favicon.ico',
  'ghost',
  'issues',
  'login',
  'manifest.json',
  'metrics',
  'milestones',
  'new',
  'notifications',
  'org',
  'pulls',
  'raw',
  'repo',
  'repo-avatars',
  'robots.txt',
  'search',
  'serviceworker.js',
  'ssh_info',
  'swagger.v1.json',
  'user',
  'v2',
  'gitea-actions',
]);
const RESERVED_OWNER_SUFFIXES = ['.keys', '.gpg', '.rss', '.atom', '.png'];
const RESERVED_REPOS = new Set(['.', '..', '-']);
const RESERVED_REPO_SUFFIXES = ['.git', '.wiki', '.rss', '.atom'];

export const OWNER_MAX = 40;
export const REPO_MAX = 100;
export const BRANCH_MAX = 255;

const reservedSuffix = (name: string, suffixes: string[]) => suffixes.find((suffix) => name.toLowerCase().endsWith(suffix));

/** A Gitea user or organisation name. */
export function giteaOwnerProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > OWNER_MAX) return `must be 1–${OWNER_MAX} characters`;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) return 'must start with a letter or digit and contain only letters, digits, "-", "_" and "."';
  if (/[-._]{2,}/.test(name)) return 'may not have two of "-", "_", "." in a row';
  if (/[-._]$/.test(name)) return 'may not end with "-", "_" or "."';
  if (RESERVED_OWNERS.has(name.toLowerCase())) return `"${name}" is reserved by Gitea`;
  const suffix = reservedSuffix(name, RESERVED_OWNER_SUFFIXES);
  if (suffix) return `may not end with "${suffix}" (reserved by Gitea)`;
  return undefined;
}

/** A Gitea repository name. */
export function giteaRepoProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > REPO_MAX) return `must be 1–${REPO_MAX} characters`;
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) return 'may only contain letters, digits, "-", "_" and "."';
  if (RESERVED_REPOS.has(name)) return `"${name}" is reserved by Gitea`;
  if (name.includes('..')) return 'may not contain ".."';
  const suffix = reservedSuffix(name, RESERVED_REPO_SUFFIXES);
  if (suffix) return `may not end with "${suffix}" (reserved by Gitea)`;
  return undefined;
}

/** A branch name, by the rules of `git check-ref-format --branch` (refs/heads/<name>). */
export function branchNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > BRANCH_MAX) return `must be 1–${BRANCH_MAX} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return 'may not contain spaces, control characters or any of ~ ^ : ? * [ \\';
  if (name === '@') return 'may not be "@"';
  if (name.startsWith('-')) return 'may not start with "-"';
  if (name.includes('..')) return 'may not contain ".."';
  if (name.includes('@{')) return 'may not contain "@{"';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'may not start or end with "/" or contain "//"';
  if (name.endsWith('.')) return 'may not end with "."';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return `no part may start with "." ("${part}")`;
    if (part.endsWith('.lock')) return `no part may end with ".lock" ("${part}")`;
  }
  return undefined;
}

const ruled = (check: (name: string) => string | undefined, max: number) =>
  z.string().check(
    z.maxLength(max),
    z.superRefine((name, context) => {
      const problem = check(name);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    }),
  );

export const GiteaOwnerSchema = /* @__PURE__ */ define(() => ruled(giteaOwnerProblem, OWNER_MAX));
export const GiteaRepoSchema = /* @__PURE__ */ define(() => ruled(giteaRepoProblem, REPO_MAX));
export const BranchNameSchema = /* @__PURE__ */ define(() => ruled(branchNameProblem, BRANCH_MAX));
