import { describe } from 'vitest';
import { realGiteaTarget, standInTarget } from '../jobs/helpers.js';
import { reviewLoopSuite } from './loop.js';

describe('the review loop through the Gitea stand-in', () => {
  reviewLoopSuite(standInTarget, async (gitea) => {
    // A person makes an API token the way Gitea wants it: basic auth (the stand-in keeps no passwords).
    const response = await fetch(`${gitea.url}/api/v1/users/alice/tokens`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('alice:any-password').toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'review', scopes: ['write:repository', 'write:issue'] }),
    });
    if (response.status !== 201) throw new Error(`token: HTTP ${response.status} ${await response.text()}`);
    return { login: 'alice', token: ((await response.json()) as { sha1: string }).sha1 };
  });
});

// Against a real Gitea, Gitea must reach this machine: AIWORKER_TEST_PUBLIC_URL is where (the runtime listens on its port),
// and GITEA_REVIEWER_TOKEN is a second account's token (Gitea refuses reviews of one's own pull request).
const real = {
  url: process.env.GITEA_URL,
  token: process.env.GITEA_TOKEN,
  reviewerToken: process.env.GITEA_REVIEWER_TOKEN,
  publicUrl: process.env.AIWORKER_TEST_PUBLIC_URL,
};
const missing = Object.entries({ GITEA_URL: real.url, GITEA_TOKEN: real.token, GITEA_REVIEWER_TOKEN: real.reviewerToken, AIWORKER_TEST_PUBLIC_URL: real.publicUrl })
  .filter(([, value]) => !value)
  .map(([name]) => name);
if (missing.length) console.log(`Skipping the review loop against a real Gitea: set ${missing.join(', ')} to run it.`);

describe.skipIf(missing.length > 0)('the review loop through a real Gitea (GITEA_URL, GITEA_TOKEN, GITEA_REVIEWER_TOKEN, AIWORKER_TEST_PUBLIC_URL)', () => {
  reviewLoopSuite(
    () => realGiteaTarget(real.url!, real.token!),
    async (gitea) => {
      const response = await fetch(`${gitea.url.replace(/\/+$/, '')}/api/v1/user`, { headers: { authorization: `token ${real.reviewerToken}` } });
      const login = ((await response.json()) as { login: string }).login;
      // The reviewer needs access to the test repositories: they are made public by default in Gitea.
      return { login, token: real.reviewerToken! };
    },
  );
});
