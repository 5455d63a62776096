import type { Shapes } from './shapes.js';
import type { GiteaState, StandInPull, StandInRepo, StandInUser } from './state.js';

/** A repository hook, as Gitea keeps it (models/webhook.Webhook). */
export interface StandInHook {
  id: number;
  type: string;
  url: string;
  contentType: 'json' | 'form';
  secret: string;
  /** Hook event types turned on (pull_request_review_approved, …), already expanded from what was asked. */
  events: string[];
  active: boolean;
  branchFilter: string;
  authorizationHeader: string;
  createdAt: string;
  updatedAt: string;
}

export interface StandInReview {
  id: number;
  pull: number;
  reviewer: string;
  state: 'APPROVED' | 'REQUEST_CHANGES' | 'COMMENT' | 'PENDING';
  body: string;
  commitId: string;
  submittedAt: string;
}

export interface StandInComment {
  id: number;
  issue: number;
  author: string;
  body: string;
  createdAt: string;
  /** Set when the comment was edited. */
  updatedAt?: string;
}

/** Renders hooks, reviews, comments and issues in Gitea's JSON shapes (Swagger definitions Hook, PullReview, Comment, Issue). */
export class ReviewShapes {
  constructor(
    private readonly rootUrl: string,
    private readonly state: GiteaState,
    private readonly shapes: Shapes,
  ) {}

  private userOf(login: string): ReturnType<Shapes['user']> | null {
    const user = this.state.owner(login);
    return user ? this.shapes.user(user) : null;
  }

  /** Gitea's convert.ToHook: the secret never leaves Gitea. */
  hook(h: StandInHook) {
    return {
      id: h.id,
      type: h.type,
      branch_filter: h.branchFilter,
      config: { url: h.url, content_type: h.contentType, http_method: 'post' },
      events: h.events,
      authorization_header: h.authorizationHeader,
      active: h.active,
      updated_at: h.updatedAt,
      created_at: h.createdAt,
    };
  }

  review(r: StandInRepo, review: StandInReview) {
    const pullUrl = `${this.rootUrl}/${r.owner}/${r.name}/pulls/${review.pull}`;
    return {
      id: review.id,
      user: this.userOf(review.reviewer),
      team: null,
      state: review.state,
      body: review.body,
      commit_id: review.commitId,
      stale: false,
      official: review.state === 'APPROVED' || review.state === 'REQUEST_CHANGES',
      dismissed: false,
      comments_count: 0,
      submitted_at: review.submittedAt,
      updated_at: review.submittedAt,
      html_url: `${pullUrl}#issuecomment-${review.id}`,
      pull_request_url: pullUrl,
    };
  }

  comment(r: StandInRepo, c: StandInComment, isPull: boolean) {
    const issueUrl = `${this.rootUrl}/${r.owner}/${r.name}/${isPull ? 'pulls' : 'issues'}/${c.issue}`;
    return {
      id: c.id,
      html_url: `${issueUrl}#issuecomment-${c.id}`,
      pull_request_url: isPull ? issueUrl : '',
      issue_url: isPull ? '' : issueUrl,
      user: this.userOf(c.author),
      original_author: '',
      original_author_id: 0,
      body: c.body,
      assets: [],
      created_at: c.createdAt,
      updated_at: c.updatedAt ?? c.createdAt,
    };
  }

  /** A pull request seen as an issue (Gitea's convert.ToAPIIssue of the pull request's issue). */
  issueOfPull(r: StandInRepo, p: StandInPull, comments: number) {
    const html = `${this.rootUrl}/${r.owner}/${r.name}/pulls/${p.number}`;
    return {
      id: p.id,
      url: `${this.rootUrl}/api/v1/repos/${r.owner}/${r.name}/issues/${p.number}`,
      html_url: html,
      number: p.number,
      user: this.userOf(p.poster),
      original_author: '',
      original_author_id: 0,
      title: p.title,
      body: p.body,
      ref: '',
      assets: [],
      labels: [],
      milestone: null,
      assignee: null,
      assignees: null,
      state: p.state,
      is_locked: false,
      comments,
      created_at: p.createdAt,
      updated_at: p.updatedAt,
      closed_at: p.closedAt,
      due_date: null,
      pull_request: { merged: p.merged, merged_at: p.mergedAt, draft: false, html_url: html },
      repository: { id: r.id, name: r.name, owner: r.owner, full_name: `${r.owner}/${r.name}` },
      pin_order: 0,
    };
  }

  sender(user: StandInUser) {
    return this.shapes.user(user);
  }
}
