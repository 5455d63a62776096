import type { GiteaState, StandInBranch, StandInPull, StandInRepo, StandInUser } from './state.js';

/** Renders the stand-in's state in Gitea's own JSON shapes (definitions in the Swagger description). */
export class Shapes {
  constructor(
    private readonly rootUrl: string,
    private readonly state: GiteaState,
  ) {}

  apiError(message: string, extra: Record<string, unknown> = {}) {
    return { message, url: `${this.rootUrl}/api/swagger`, ...extra };
  }

  user(u: StandInUser) {
    return {
      id: u.id,
      login: u.login,
      login_name: '',
      source_id: 0,
      full_name: '',
      email: u.email,
      avatar_url: `${this.rootUrl}/avatars/${u.id}`,
      html_url: `${this.rootUrl}/${u.login}`,
      language: '',
      is_admin: false,
      last_login: u.created,
      created: u.created,
      restricted: false,
      active: true,
      prohibit_login: false,
      location: '',
      website: '',
      description: '',
      visibility: 'public',
      followers_count: 0,
      following_count: 0,
      starred_repos_count: 0,
    };
  }

  repository(r: StandInRepo, viewer?: StandInUser) {
    const owner = this.state.owner(r.owner);
    const openPulls = [...r.pulls.values()].filter((p) => p.state === 'open').length;
    const host = new URL(this.rootUrl).hostname;
    return {
      id: r.id,
      owner: owner ? this.user(owner) : null,
      name: r.name,
      full_name: `${r.owner}/${r.name}`,
      description: r.description,
      empty: r.branches.size === 0,
      private: r.private,
      fork: false,
      template: false,
      parent: null,
      mirror: false,
      size: 0,
      language: '',
      languages_url: `${this.rootUrl}/api/v1/repos/${r.owner}/${r.name}/languages`,
      html_url: `${this.rootUrl}/${r.owner}/${r.name}`,
      url: `${this.rootUrl}/api/v1/repos/${r.owner}/${r.name}`,
      link: '',
      ssh_url: `git@${host}:${r.owner}/${r.name}.git`,
      clone_url: `${this.rootUrl}/${r.owner}/${r.name}.git`,
      original_url: '',
      website: '',
      stars_count: 0,
      forks_count: 0,
      watchers_count: 1,
      open_issues_count: 0,
      open_pr_counter: openPulls,
      release_counter: 0,
      default_branch: r.defaultBranch,
      archived: false,
      created_at: r.createdAt,
      updated_at: r.updatedAt,
      archived_at: '1970-01-01T00:00:00Z',
      permissions: { admin: !!viewer, push: !!viewer, pull: true },
      has_issues: true,
      internal_tracker: { enable_time_tracker: true, allow_only_contributors_to_track_time: true, enable_issue_dependencies: true },
      has_wiki: true,
      has_pull_requests: true,
      has_projects: true,
      projects_mode: 'all',
      has_releases: true,
      has_packages: true,
      has_actions: true,
      ignore_whitespace_conflicts: false,
      allow_merge_commits: true,
      allow_rebase: true,
      allow_rebase_explicit: true,
      allow_squash_merge: true,
      allow_fast_forward_only_merge: true,
      allow_rebase_update: true,
      default_delete_branch_after_merge: false,
      default_merge_style: 'merge',
      default_allow_maintainer_edit: false,
      avatar_url: '',
      internal: false,
      mirror_interval: '',
      object_format_name: 'sha1',
      mirror_updated: '0001-01-01T00:00:00Z',
      repo_transfer: null,
    };
  }

  branch(r: StandInRepo, b: StandInBranch) {
    const author = { name: r.owner, email: `${r.owner}@noreply.localhost`, username: r.owner };
    return {
      name: b.name,
      commit: {
        id: b.commit.sha,
        message: b.commit.message,
        url: `${this.rootUrl}/${r.owner}/${r.name}/commit/${b.commit.sha}`,
        author,
        committer: author,
        verification: { verified: false, reason: 'gpg.error.not_signed_commit', signature: '', signer: null, payload: '' },
        timestamp: b.commit.timestamp,
        added: null,
        removed: null,
        modified: null,
      },
      protected: false,
      required_approvals: 0,
      enable_status_check: false,
      status_check_contexts: [],
      user_can_push: true,
      user_can_merge: true,
      effective_branch_protection_name: '',
    };
  }

  /** Gitea's `mergeable`: open, both branches there, not held back by a test, and no conflict (asked of git). */
  mergeable(r: StandInRepo, p: StandInPull): boolean {
    if (p.state !== 'open' || !p.mergeable) return false;
    const head = r.branches.get(p.head);
    const base = r.branches.get(p.base);
    return !!head && !!base && r.git.conflictsBetween(base.commit.sha, head.commit.sha) === null;
  }

  private liveMergeBase(r: StandInRepo, p: StandInPull): string | undefined {
    const head = r.branches.get(p.head);
    const base = r.branches.get(p.base);
    return head && base ? r.git.mergeBase(base.commit.sha, head.commit.sha) : undefined;
  }

  pullRequest(r: StandInRepo, p: StandInPull) {
    const poster = this.state.owner(p.poster);
    const mergedBy = p.mergedBy ? this.state.owner(p.mergedBy) : undefined;
    const html = `${this.rootUrl}/${r.owner}/${r.name}/pulls/${p.number}`;
    const branchInfo = (ref: string) => ({
      label: ref,
      ref,
      sha: r.branches.get(ref)?.commit.sha ?? '',
      repo_id: r.id,
      repo: this.repository(r),
    });
    return {
      id: p.id,
      url: html,
      number: p.number,
      user: poster ? this.user(poster) : null,
      title: p.title,
      body: p.body,
      labels: [],
      milestone: null,
      assignee: null,
      assignees: null,
      requested_reviewers: null,
      state: p.state,
      draft: false,
      is_locked: false,
      comments: 0,
      review_comments: 0,
      additions: 0,
      deletions: 0,
      changed_files: 0,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      mergeable: this.mergeable(r, p),
      merged: p.merged,
      merged_at: p.mergedAt,
      merge_commit_sha: p.mergeCommitSha,
      merged_by: mergedBy ? this.user(mergedBy) : null,
      allow_maintainer_edit: false,
      base: branchInfo(p.base),
      head: branchInfo(p.head),
      merge_base: (p.state === 'open' && this.liveMergeBase(r, p)) || p.mergeBase,
      due_date: null,
      created_at: p.createdAt,
      updated_at: p.updatedAt,
      closed_at: p.closedAt,
      pin_order: 0,
    };
  }
}
