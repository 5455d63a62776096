import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSecret } from '@aiworker/core';
import { defaultSwaggerPath, startGiteaStandIn, StateFileError, type GiteaStandIn } from '@aiworker/gitea-standin';
import { StartupError } from './emulators/java.js';

export interface LocalGitea {
  url?: string;
  token?: string;
  /** Where the token came from, for the banner (only for the stand-in). */
  tokenSource?: string;
  /** The user the token signs in as (only for the stand-in). */
  user?: string;
  /** One line for the banner `npm start` prints. */
  description: string;
  /** The stand-in's organizations, when the stand-in runs (anyone may sign in to it, as a member of these). */
  standInOrgs?: string[];
  stop(): Promise<void>;
}

/**
 * The Gitea that `npm start`'s worker talks to: the real one in GITEA_URL / GITEA_TOKEN when both are set;
 * otherwise the Gitea stand-in the tests use (when Gitea's API description is beside the project), with its
 * bare git repositories under `<dataDir>/gitea` and the rest of what Gitea keeps (pull requests, reviews,
 * comments, hooks, OAuth2 applications, its port) in `<dataDir>/gitea-state.json`, so branch and
 * pull-request jobs, clones and pushes work on a laptop too, and across restarts.
 * AIWORKER_LOCAL_GITEA=off turns the stand-in off; AIWORKER_LOCAL_GITEA_PORT picks its port.
 */
export async function localGitea(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<LocalGitea> {
  const none = async () => undefined;
  if (env.GITEA_URL && env.GITEA_TOKEN) return { description: `${env.GITEA_URL} (from GITEA_URL)`, stop: none };
  const notConfigured = 'not configured: branch and pull-request jobs fail until GITEA_URL and GITEA_TOKEN are set';
  if (env.AIWORKER_LOCAL_GITEA === 'off') return { description: notConfigured, stop: none };
  const swaggerPath = env.AIWORKER_GITEA_SWAGGER ?? defaultSwaggerPath();
  if (!existsSync(swaggerPath)) return { description: `${notConfigured} (no Gitea stand-in: ${swaggerPath} is missing)`, stop: none };
  if (!hasGit()) return { description: `${notConfigured} (no Gitea stand-in: git is not installed)`, stop: none };

  const orgs = (env.AIWORKER_LOCAL_GITEA_ORGS ?? 'acme').split(',').map((org) => org.trim()).filter(Boolean);
  const gitRoot = join(dataDir, 'gitea');
  const { token, source } = standInToken(dataDir, env.AIWORKER_LOCAL_GITEA_TOKEN);
  const stateFile = join(dataDir, 'gitea-state.json');
  const port = standInPort(env.AIWORKER_LOCAL_GITEA_PORT);
  let standIn: GiteaStandIn;
  try {
    standIn = await startGiteaStandIn({ swaggerPath, users: ['aiworker'], orgs, token, gitRoot, stateFile, port, oauth: { openSignIn: { orgs } } });
  } catch (error) {
    if (error instanceof StateFileError) throw new StartupError(error.message);
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new StartupError(`${(error as Error).message}. Stop whatever is using it, or give the stand-in another port: AIWORKER_LOCAL_GITEA_PORT=… npm start`);
    }
    throw error;
  }
  return {
    standInOrgs: orgs,
    url: standIn.url,
    token: standIn.token,
    tokenSource: source,
    user: 'aiworker',
    description: `${standIn.url}  (stand-in; kept across restarts: git repositories in ${gitRoot}, pull requests, reviews, hooks and its port in ${stateFile}; owners: aiworker, ${orgs.join(', ')})`,
    stop: () => standIn.close(),
  };
}

/** AIWORKER_LOCAL_GITEA_PORT, when set; otherwise the stand-in keeps the port it had (a free one the first time). */
function standInPort(fromEnv: string | undefined): number | undefined {
  if (fromEnv === undefined || fromEnv === '') return undefined;
  const port = Number(fromEnv);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new StartupError(`AIWORKER_LOCAL_GITEA_PORT must be a port number (1-65535), not ${JSON.stringify(fromEnv)}`);
  return port;
}

/** The stand-in's token: AIWORKER_LOCAL_GITEA_TOKEN, else the one kept under the data folder, else a new one kept there. */
function standInToken(dataDir: string, fromEnv: string | undefined): { token: string; source: string } {
  if (fromEnv) return { token: fromEnv, source: 'AIWORKER_LOCAL_GITEA_TOKEN' };
  const file = join(dataDir, 'gitea-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), source: file };
  mkdirSync(dataDir, { recursive: true });
  const token = generateSecret();
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, source: `${file} (new)` };
}

function hasGit(): boolean {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
