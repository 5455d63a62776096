import type { Api, Comment } from 'gitea-js';
import { GiteaError } from './errors.js';
import type { GiteaClient, GiteaComment } from './types.js';

type Call = <T>(operation: string, run: () => Promise<{ data: T; error: unknown }>, expectBody?: boolean) => Promise<T>;

const MAX_COMMENTS = 10_000;
const seg = (value: string) => encodeURIComponent(value);
const toComment = (c: Comment): GiteaComment => ({ id: c.id ?? 0, body: c.body ?? '', login: c.user?.login ?? '' });

/** Comments on an issue: the progress comment aiworker keeps there (services/issue-progress.ts). */
export function issueComments(api: Api<unknown>, call: Call): Pick<GiteaClient, 'listIssueComments' | 'createIssueComment' | 'editIssueComment'> {
  return {
    async listIssueComments(owner, repo, number) {
      // Gitea answers every comment of the issue at once (this endpoint takes no page).
      const comments = await call('listIssueComments', () => api.repos.issueGetComments(seg(owner), seg(repo), number));
      return comments.slice(0, MAX_COMMENTS).map(toComment);
    },
    async createIssueComment(owner, repo, number, body) {
      return toComment(await call('createIssueComment', () => api.repos.issueCreateComment(seg(owner), seg(repo), number, { body })));
    },
    async editIssueComment(owner, repo, id, body) {
      try {
        return toComment(await call('editIssueComment', () => api.repos.issueEditComment(seg(owner), seg(repo), id, { body })));
      } catch (error) {
        if (error instanceof GiteaError && error.status === 404) return null;
        throw error;
      }
    },
  };
}
