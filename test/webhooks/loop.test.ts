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

// Against a real Gitea: the hook registration needs only GITEA_URL and GITEA_TOKEN. The whole loop also needs Gitea
// to reach this machine (AIWORKER_TEST_PUBLIC_URL; the runtime listens on its port) and a second account's token
// (GITEA_REVIEWER_TOKEN: Gitea refuses reviews of one's own pull request).
const real = {
  url: process.env.GITEA_URL,
  token: process.env.GITEA_TOKEN,
  reviewerToken: process.env.GITEA_REVIEWER_TOKEN,
  publicUrl: process.env.AIWORKER_TEST_PUBLIC_URL,
};
const loopMissing = Object.entries({ GITEA_REVIEWER_TOKEN: real.reviewerToken, AIWORKER_TEST_PUBLIC_URL: real.publicUrl })
  .filter(([, value]) => !value)
  .map(([name]) => name);
if (!real.url || !real.token) console.log('Skipping the review loop against a real Gitea: set GITEA_URL and GITEA_TOKEN to run it.');
else if (loopMissing.length) console.log(`Against the real Gitea only the hook registration runs: set ${loopMissing.join(', ')} for the whole loop.`);

describe.skipIf(!real.url || !real.token)('the review loop through a real Gitea (GITEA_URL, GITEA_TOKEN; GITEA_REVIEWER_TOKEN, AIWORKER_TEST_PUBLIC_URL)', () => {
  reviewLoopSuite(
    () => realGiteaTarget(real.url!, real.token!),
    loopMissing.length
      ? undefined
      : async (gitea) => {
          const response = await fetch(`${gitea.url.replace(/\/+$/, '')}/api/v1/user`, { headers: { authorization: `token ${real.reviewerToken}` } });
          const login = ((await response.json()) as { login: string }).login;
          // The test repositories are public in Gitea by default, so the reviewer can review and merge them… if allowed to push:
          // give the reviewer account write access to the token user's repositories (e.g. as an organisation member).
          return { login, token: real.reviewerToken! };
        },
  );
});
