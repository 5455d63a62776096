import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../packages/local/src/handler-loader.js';
import { deployedUnderTest } from '../helpers/runtime.js';

// README's "From a task to a pull request on a laptop", run as written: `npm start` in one process, the
// second terminal's commands (curl, jq, npx aiworker agent, git clone) in bash with the values it printed.
// AIWORKER_TEST_CLONE=<dir> runs both in another clone (e.g. a fresh `git clone` + `npm ci`) instead of this one.
const clone = process.env.AIWORKER_TEST_CLONE || projectRoot;
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

/** The README's shell block that follows "Terminal 2". */
function terminalTwo(): string {
  const readme = readFileSync(join(clone, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### From a task to a pull request on a laptop'));
  const after = section.slice(section.indexOf('Terminal 2'));
  const match = /```sh\n([\s\S]*?)```/.exec(after);
  if (!match) throw new Error('README: no shell block after "Terminal 2"');
  return match[1];
}

const field = (text: string, label: string) => new RegExp(`^\\s*${label}\\s+(\\S+)`, 'm').exec(text)?.[1];

describe.skipIf(deployedUnderTest)("README's runner walk-through against npm start", { timeout: 240_000 }, () => {
  it('takes a backlog task to ready_to_test with a pushed branch and a pull request, by the commands in README', async () => {
    const dataDir = tempFolder('aiworker-readme-data-');
    const home = tempFolder('aiworker-readme-home-');
    const start = spawn(process.execPath, ['--import', 'tsx', 'packages/local/src/main.ts'], {
      cwd: clone,
      env: { PATH: process.env.PATH ?? '', HOME: home, PORT: '0', AIWORKER_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(start);
    let banner = '';
    start.stdout!.on('data', (chunk) => (banner += chunk));
    start.stderr!.on('data', (chunk) => (banner += chunk));
    const deadline = Date.now() + 120_000;
    while (!banner.includes('Press Ctrl-C to stop.')) {
      if (start.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${banner}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const api = field(banner, 'REST API')!;
    const values = { TOKEN: field(banner, 'Admin token')!, GITEA_URL: field(banner, 'Gitea')!, GITEA_TOKEN: field(banner, 'Gitea token')! };
    expect(values.GITEA_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(values.GITEA_TOKEN).toMatch(/^\S{20,}$/);

    // The block as a person pastes it, with the three values from the banner and npm start's own port.
    let script = terminalTwo();
    for (const [name, value] of Object.entries(values)) script = script.replace(new RegExp(`^export ${name}=.*$`, 'm'), `export ${name}='${value}'`);
    script = script.replaceAll('http://localhost:3000', api.replace(/\/api$/, ''));
    const shell = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: clone, env: { PATH: process.env.PATH ?? '', HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(shell);
    let output = '';
    shell.stdout!.on('data', (chunk) => (output += chunk));
    shell.stderr!.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => shell.once('exit', resolve));
    expect(code, output).toBe(0);

    expect(output).toMatch(/"state": "ready_to_test"/);
    expect(output).toMatch(/"branchName": "task-[0-9a-f]{8}-add-a-greeting"/);
    expect(output).toMatch(/"prUrl": "http:\/\/127\.0\.0\.1:\d+\/acme\/demo\/pulls\/1"/);
    expect(output.trim().split('\n').at(-1)).toBe('hello');
    expect(output).not.toContain(values.GITEA_TOKEN);

    start.kill('SIGINT');
    expect(await new Promise((resolve) => start.once('exit', resolve))).toBe(0);
  });
});
