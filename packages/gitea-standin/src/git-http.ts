import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gitEnv } from './git-store.js';
import type { GiteaState, StandInRepo, StandInUser } from './state.js';

/**
 * Git's smart HTTP protocol, the way Gitea serves it at `/{owner}/{repo}.git/…`: `git http-backend` (CGI)
 * on the stand-in's bare repositories. Reading a public repository needs no credentials; pushing (and
 * reading a private one) needs HTTP basic auth with the stand-in's token as the password (any user name),
 * or the token as the user name, as Gitea accepts.
 */

const GIT_PATH = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/.+)$/;

export function isGitRequest(pathname: string): boolean {
  return GIT_PATH.test(pathname);
}

export interface GitHttpContext {
  state: GiteaState;
  token: string;
  /** The user the token authenticates as. */
  user: StandInUser;
}

/** Who the request's credentials name: a user, nobody (no credentials) or 'invalid'. */
function gitUser(req: IncomingMessage, ctx: GitHttpContext): StandInUser | undefined | 'invalid' {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const basic = /^basic\s+(\S+)\s*$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const [name, password] = colon >= 0 ? [decoded.slice(0, colon), decoded.slice(colon + 1)] : [decoded, ''];
    return password === ctx.token || name === ctx.token ? ctx.user : 'invalid';
  }
  const token = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header);
  return token && token[1] === ctx.token ? ctx.user : 'invalid';
}

function deny(res: ServerResponse, status: number, message: string) {
  const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
  if (status === 401) headers['WWW-Authenticate'] = 'Basic realm="Gitea"';
  res.writeHead(status, headers).end(`${message}\n`);
}

export async function serveGit(req: IncomingMessage, res: ServerResponse, ctx: GitHttpContext): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://stand-in');
  const [, owner, name, rest] = GIT_PATH.exec(url.pathname)!;
  const repo = ctx.state.repo(decodeURIComponent(owner), decodeURIComponent(name));
  const user = gitUser(req, ctx);
  if (user === 'invalid') return deny(res, 401, 'invalid credentials');
  const push = rest === 'git-receive-pack' || url.searchParams.get('service') === 'git-receive-pack';
  if (!repo) return user ? deny(res, 404, 'Repository not found') : deny(res, 401, 'authentication required');
  if ((push || repo.private) && !user) return deny(res, 401, 'authentication required');

  const before = push ? snapshot(repo) : undefined;
  const status = await runHttpBackend(req, res, repo, rest, url.search.slice(1), user);
  if (push && before && status < 400) {
    repo.git.invalidate();
    const after = snapshot(repo);
    const changes = [...new Set([...before.keys(), ...after.keys()])]
      .map((branch) => ({ branch, before: before.get(branch) ?? '', after: after.get(branch) ?? '' }))
      .filter((c) => c.before !== c.after);
    ctx.state.pushed(repo, user!, changes);
  }
}

function snapshot(repo: StandInRepo): Map<string, string> {
  repo.git.invalidate();
  return new Map([...repo.git.branches()].map(([branch, commit]) => [branch, commit.sha]));
}

/** Runs `git http-backend` for one request, streaming the body in and the CGI answer out; resolves with the status. */
function runHttpBackend(req: IncomingMessage, res: ServerResponse, repo: StandInRepo, rest: string, query: string, user: StandInUser | undefined): Promise<number> {
  const relative = repo.git.dir.slice(repoRoot(repo).length);
  const env = gitEnv({
    GIT_PROJECT_ROOT: repoRoot(repo),
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: `${relative}/${rest}`,
    REQUEST_METHOD: req.method ?? 'GET',
    QUERY_STRING: query,
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
    ...(user ? { REMOTE_USER: user.login } : {}),
    ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
    ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
    ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
  });
  return new Promise((resolve) => {
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let head = Buffer.alloc(0);
    let status = 0;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      if (status) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = headerEnd(head);
      if (end === undefined) return;
      const { code, headers } = parseCgiHeaders(head.subarray(0, end.at).toString('latin1'));
      status = code;
      res.writeHead(code, headers);
      const body = head.subarray(end.at + end.length);
      if (body.length) res.write(body);
    });
    child.on('close', () => {
      if (!status) {
        status = 500;
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`git http-backend failed: ${stderr.trim()}\n`);
      } else res.end();
      resolve(status);
    });
    child.stdin.on('error', () => undefined); // the backend may answer (and exit) before reading everything
    req.pipe(child.stdin);
    req.on('aborted', () => child.kill('SIGKILL'));
  });
}

function repoRoot(repo: StandInRepo): string {
  // <root>/<owner>/<name>.git → <root>
  return repo.git.dir.replace(/[/\\][^/\\]+[/\\][^/\\]+$/, '');
}

function headerEnd(buf: Buffer): { at: number; length: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
  if (lf >= 0) return { at: lf, length: 2 };
  return undefined;
}

function parseCgiHeaders(text: string): { code: number; headers: Record<string, string> } {
  let code = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') code = Number(value.split(' ')[0]) || 200;
    else headers[name] = value;
  }
  return { code, headers };
}
