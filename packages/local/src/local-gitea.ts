import { existsSync } from 'node:fs';
import { defaultSwaggerPath, startGiteaStandIn } from './gitea-standin/index.js';

export interface LocalGitea {
  url?: string;
  token?: string;
  /** One line for the banner `npm start` prints. */
  description: string;
  /** The stand-in's organizations, when the stand-in runs (anyone may sign in to it, as a member of these). */
  standInOrgs?: string[];
  stop(): Promise<void>;
}

/**
 * The Gitea that `npm start`'s worker talks to: the real one in GITEA_URL / GITEA_TOKEN when both are set;
 * otherwise the in-memory Gitea stand-in the tests use (when Gitea's API description is beside the project),
 * so branch and pull-request jobs work on a laptop too. AIWORKER_LOCAL_GITEA=off turns the stand-in off.
 */
export async function localGitea(env: NodeJS.ProcessEnv = process.env): Promise<LocalGitea> {
  const none = async () => undefined;
  if (env.GITEA_URL && env.GITEA_TOKEN) return { description: `${env.GITEA_URL} (from GITEA_URL)`, stop: none };
  const notConfigured = 'not configured: branch and pull-request jobs fail until GITEA_URL and GITEA_TOKEN are set';
  if (env.AIWORKER_LOCAL_GITEA === 'off') return { description: notConfigured, stop: none };
  const swaggerPath = env.AIWORKER_GITEA_SWAGGER ?? defaultSwaggerPath();
  if (!existsSync(swaggerPath)) return { description: `${notConfigured} (no Gitea stand-in: ${swaggerPath} is missing)`, stop: none };

  const orgs = (env.AIWORKER_LOCAL_GITEA_ORGS ?? 'acme').split(',').map((org) => org.trim()).filter(Boolean);
  const standIn = await startGiteaStandIn({ swaggerPath, users: ['aiworker'], orgs, oauth: { openSignIn: { orgs } } });
  return {
    standInOrgs: orgs,
    url: standIn.url,
    token: standIn.token,
    description: `${standIn.url}  (in-memory stand-in, forgotten on restart; owners: aiworker, ${orgs.join(', ')})`,
    stop: () => standIn.close(),
  };
}
