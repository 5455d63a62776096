import type { LocalGitea } from './local-gitea.js';
import { supplySecrets } from './secrets.js';

/**
 * Sign-in with Gitea for `npm start`: with the Gitea stand-in (and no OAuth2 application configured), the
 * board is registered as an OAuth2 application through the stand-in's API, as one would in Gitea, and
 * members of the stand-in's organizations may sign in (anyone may, on the stand-in's form). Returns a line
 * for the banner.
 */
export async function connectBoardSignIn(gitea: LocalGitea, port: number, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.AIWORKER_GITEA_CLIENT_ID) return `Gitea OAuth2 application ${env.AIWORKER_GITEA_CLIENT_ID} (AIWORKER_GITEA_CLIENT_ID)`;
  if (!gitea.standInOrgs || !gitea.url || !gitea.token) return 'Gitea sign-in off (set AIWORKER_GITEA_CLIENT_ID/SECRET); the admin token works';
  const response = await fetch(`${gitea.url}/api/v1/user/applications/oauth2`, {
    method: 'POST',
    headers: { authorization: `token ${gitea.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'aiworker board',
      redirect_uris: [`http://localhost:${port}/api/auth/gitea/callback`, `http://127.0.0.1:${port}/api/auth/gitea/callback`],
      confidential_client: true,
    }),
  });
  if (!response.ok) return `Gitea sign-in off (the stand-in refused the OAuth2 application: ${response.status})`;
  const app = (await response.json()) as { client_id: string; client_secret: string };
  env.AIWORKER_GITEA_CLIENT_ID = app.client_id;
  env.AIWORKER_GITEA_CLIENT_SECRET = app.client_secret;
  // The handlers read the secret through SST's Resource, handed over when the runtime started (before the
  // application existed): hand it over now too, or the token request goes out with an empty client_secret.
  supplySecrets({ GiteaClientSecret: app.client_secret });
  if (!env.AIWORKER_ALLOWED_ORGS && !env.AIWORKER_ALLOWED_LOGINS && !env.AIWORKER_ADMIN_LOGINS) env.AIWORKER_ALLOWED_ORGS = gitea.standInOrgs.join(',');
  return `Sign in with any name on the stand-in's form (a member of ${gitea.standInOrgs.join(', ')}); admins: AIWORKER_ADMIN_LOGINS`;
}
