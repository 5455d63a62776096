import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GiteaState } from './state.js';

/**
 * The web page behind a pull request's `html_url` (`/{owner}/{repo}/pulls/{index}`), the link aiworker shows
 * people: a small page with what Gitea's would say first (title, state, branches). False for any other path.
 */
const PULL_PAGE = /^\/([^/]+)\/([^/]+)\/pulls\/(\d+)\/?$/;

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function servePage(req: IncomingMessage, res: ServerResponse, pathname: string, state: GiteaState): boolean {
  const match = PULL_PAGE.exec(pathname);
  if (!match || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const [, owner, name, index] = match.map((part) => decodeURIComponent(part));
  const repo = state.repo(owner, name);
  const pull = repo?.pulls.get(Number(index));
  if (!repo || !pull) {
    res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' }).end(page('Page Not Found', '<p>The pull request does not exist.</p>'));
    return true;
  }
  const status = pull.merged ? `Merged by ${pull.mergedBy}` : pull.state === 'open' ? 'Open' : 'Closed';
  const body = `<p><strong>${escapeHtml(status)}</strong> · ${escapeHtml(pull.poster)} wants to merge <code>${escapeHtml(pull.head)}</code> into <code>${escapeHtml(pull.base)}</code></p>
<pre>${escapeHtml(pull.body)}</pre>`;
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page(`${pull.title} #${pull.number} - ${repo.owner}/${repo.name}`, body));
  return true;
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} - Gitea (stand-in)</title></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}
