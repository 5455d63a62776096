import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../packages/local/src/handler-loader.js';
import { deployedUnderTest } from '../helpers/runtime.js';

/**
 * README.md as a newcomer uses it: `npm start` in one terminal, and every ```sh block of README pasted, in
 * order, into one bash in another, with the values the banner printed where README says to copy them.
 * Blocks that need what this machine cannot give them are marked by a word after `sh` and skipped by name.
 */
const SKIPPED: Record<string, string> = {
  server: 'starts npm start or npm test itself (the test runs npm start; npm test is the suite)',
  'claude-code': 'needs Claude Code installed',
  'coding-cli': 'needs a coding CLI and its account',
  'fresh-clone': 'clones the repository and runs npm ci',
  'real-gitea': 'needs a real Gitea',
  aws: 'needs an AWS account',
};

const folders: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGINT');
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});
const tempFolder = (prefix: string) => {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  folders.push(folder);
  return folder;
};

interface Block {
  marker?: string;
  line: number;
  text: string;
}

/** Every fenced block whose info string starts with `sh`, in order, with the word after `sh` if any. */
function shellBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const fence = /^```sh(?:[ \t]+(\S+))?[ \t]*\n([\s\S]*?)^```[ \t]*$/gm;
  for (const match of markdown.matchAll(fence)) {
    blocks.push({ marker: match[1], line: markdown.slice(0, match.index).split('\n').length, text: match[2] });
  }
  return blocks;
}

const field = (text: string, label: string) => new RegExp(`^\\s*${label}\\s+(\\S+)`, 'm').exec(text)?.[1];

describe.skipIf(deployedUnderTest)('README, pasted into a terminal', { timeout: 600_000 }, () => {
  it('marks only the blocks that cannot run here, and says why', () => {
    const blocks = shellBlocks(readFileSync(join(projectRoot, 'README.md'), 'utf8'));
    for (const block of blocks) if (block.marker) expect(Object.keys(SKIPPED), `README line ${block.line}: unknown marker sh ${block.marker}`).toContain(block.marker);
    // Everything that talks to the local API runs: no skipped block uses $API.
    for (const block of blocks) if (block.marker) expect(block.text, `README line ${block.line} (sh ${block.marker}) calls the local API`).not.toMatch(/\$API\b/);
    // The walk-through, the runner, a job, the review loop and notifications are among the blocks that run.
    const run = blocks.filter((block) => !block.marker).map((block) => block.text).join('\n');
    for (const step of ['/respond', 'npx aiworker agent --once', '$TASK/branch ', 'REQUEST_CHANGES', 'notifyUrl']) expect(run).toContain(step);
  });

  it('runs every other sh block against npm start, in order: no failing command, no null, exit 0', async () => {
    const dataDir = tempFolder('aiworker-readme-all-data-');
    const home = tempFolder('aiworker-readme-all-home-');
    const start = spawn(process.execPath, ['--import', 'tsx', 'packages/local/src/main.ts'], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: home, PORT: '0', AIWORKER_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(start);
    let banner = '';
    start.stdout!.on('data', (chunk) => (banner += chunk));
    start.stderr!.on('data', (chunk) => (banner += chunk));
    const deadline = Date.now() + 300_000;
    while (!banner.includes('Press Ctrl-C to stop.')) {
      if (start.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${banner}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // What README tells the reader to copy from the banner.
    const values: Record<string, string> = { TOKEN: field(banner, 'Admin token')!, GITEA_URL: field(banner, 'Gitea')!, GITEA_TOKEN: field(banner, 'Gitea token')! };
    for (const [name, value] of Object.entries(values)) expect(value, `${name} in the banner:\n${banner}`).toMatch(/^\S+$/);
    const base = field(banner, 'REST API')!.replace(/\/api$/, '');

    const blocks = shellBlocks(readFileSync(join(projectRoot, 'README.md'), 'utf8')).filter((block) => !block.marker);
    const script = [
      `trap 'echo "@@ failed: README block $BLOCK, command: $BASH_COMMAND" >&2' ERR`,
      ...blocks.map((block, index) => {
        let text = block.text;
        for (const [name, value] of Object.entries(values)) text = text.replace(new RegExp(`^export ${name}=.*$`, 'gm'), `export ${name}='${value}'`);
        // npm start's own port, as a reader who set PORT would write it.
        text = text.replaceAll('http://localhost:3000', base);
        return `BLOCK='${index + 1} (README line ${block.line})'; echo "@@ block $BLOCK"\n${text}`;
      }),
      'echo "@@ all blocks ran"',
    ].join('\n');
    const shell = spawn('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: projectRoot,
      // A reader's git knows who they are; this HOME has no ~/.gitconfig, so say it here.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        GIT_AUTHOR_NAME: 'Reader',
        GIT_AUTHOR_EMAIL: 'reader@example.com',
        GIT_COMMITTER_NAME: 'Reader',
        GIT_COMMITTER_EMAIL: 'reader@example.com',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(shell);
    let output = '';
    shell.stdout!.on('data', (chunk) => (output += chunk));
    shell.stderr!.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => shell.once('exit', resolve));

    expect(code, output).toBe(0);
    expect(output).toContain('@@ all blocks ran');
    const nulls = output.split('\n').map((line, index) => [index, line.trim()] as const).filter(([, line]) => line === 'null' || line === '"null"');
    expect(nulls, `a block printed null:\n${output}`).toEqual([]);
    // What the blocks' comments say they print.
    expect(output).toContain('VERSION_CONFLICT');
    expect(output).toMatch(/"state": "ready_to_test"/);
    expect(output).toMatch(/^hello$/m);
    expect(output).toMatch(/"status": "succeeded"/);
    expect(output).toMatch(/^"staging"$/m);
    expect(output).toMatch(/^"production"$/m);
    expect(output).toMatch(/^"off"$/m);
    expect(output).not.toContain(values.GITEA_TOKEN);

    start.kill('SIGINT');
    expect(await new Promise((resolve) => start.once('exit', resolve))).toBe(0);
  });
});
