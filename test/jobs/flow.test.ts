import { describe } from 'vitest';
import { jobSuite } from './suite.js';
import { realGiteaTarget, standInTarget } from './helpers.js';

describe('Gitea jobs against the stand-in', () => {
  jobSuite(standInTarget);
});

const realUrl = process.env.GITEA_URL;
const realToken = process.env.GITEA_TOKEN;
if (!realUrl || !realToken) {
  console.log('Skipping the job suite against a real Gitea: set GITEA_URL and GITEA_TOKEN to run it.');
}

describe.skipIf(!realUrl || !realToken)('Gitea jobs against a real Gitea (GITEA_URL, GITEA_TOKEN)', () => {
  jobSuite(() => realGiteaTarget(realUrl!, realToken!), { giteaTimeoutMs: 15_000 });
});
