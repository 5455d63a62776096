/**
 * Runs an app's sst.config.ts through SST's real `run()` (the pinned platform in .sst/platform) under
 * Pulumi's mocks, the way the sst CLI does it (pkg/project/stack.go): one esbuild ESM bundle with `$app`,
 * `$cli` and `$dev` defined, `platform/src/shim/run.js` injected, the `sst` and `aws` globals put in front of
 * every project file and Pulumi left external; then `node` runs it and writes what it made to a JSON file.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { ensurePlatform, projectRoot, sstFolder } from '../../../scripts/sst-platform.js';

export interface RecordedResource {
  type: string;
  name: string;
  inputs: any;
}

export interface AppRun {
  stage: string;
  dev: boolean;
  app: { name: string; stage: string; removal: string; protect: boolean; home: string };
  failure?: string;
  /** The options each resource ended with (after SST's own transformations). */
  options: { type: string; name: string; retainOnDelete: boolean; protect: boolean }[];
  outputs?: Record<string, unknown>;
  resources: RecordedResource[];
  rpcCalls: { method: string; params: any }[];
  /** Where the stand-in CLI wrote each function's bundle folder (with its encrypted `resource.enc`). */
  work: string;
}

export interface RunOptions {
  stage: string;
  /** `sst dev`: functions are bridges to the developer's machine. */
  dev?: boolean;
  /** The project folder (default this one; a mutated copy in the negative tests). */
  root?: string;
  /** Environment for the program: stage settings and `SST_SECRET_<Name>` values, as the CLI passes them. */
  env?: Record<string, string>;
}

const mocks = path.join(path.dirname(new URL(import.meta.url).pathname), 'mocks.ts');

export async function runApp(options: RunOptions): Promise<AppRun> {
  const platform = ensurePlatform();
  const root = options.root ?? projectRoot;
  const dev = options.dev ?? false;
  const { stage } = options;
  const id = `${path.basename(root)}-${stage}-${dev ? 'dev' : 'deploy'}-${process.pid}`;
  const work = path.join(sstFolder, 'check', id);
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  // In the platform folder, as the CLI puts it, so `node` finds Pulumi in its node_modules.
  const outfile = path.join(platform, `check-${id}.mjs`);
  const resultFile = path.join(work, 'result.json');

  const cli = { command: dev ? 'dev' : 'deploy', dev, paths: { home: path.join(work, 'home'), root, work: path.join(root, '.sst'), platform }, state: { version: {} } };
  const globals = `import * as aws from "@pulumi/aws";\nimport * as sst from ${JSON.stringify(path.join(platform, 'src/components'))};\n`;
  const banner = [
    "import { createRequire as topLevelCreateRequire } from 'module';",
    'const require = topLevelCreateRequire(import.meta.url);',
    'import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"',
    'const __filename = topLevelFileUrlToPath(import.meta.url)',
    'const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))',
  ].join('\n');

  await build({
    banner: { js: banner },
    mainFields: ['module', 'main'],
    format: 'esm',
    platform: 'node',
    bundle: true,
    write: true,
    outfile,
    logLevel: 'error',
    nodePaths: [path.join(platform, 'node_modules')],
    stdin: {
      contents: `
        import { resources, rpcCalls } from ${JSON.stringify(mocks)};
        import * as pulumi from "@pulumi/pulumi";
        import fs from "node:fs";
        import { run } from ${JSON.stringify(path.join(platform, 'src/auto/run.ts'))};
        import mod from ${JSON.stringify(path.join(root, 'sst.config.ts'))};
        // $app as the CLI makes it from app() (removal defaults to retain), read by run() and the components.
        const app = await mod.app({ stage: ${JSON.stringify(stage)} });
        globalThis.__checkApp = { removal: "retain", protect: false, ...app, stage: ${JSON.stringify(stage)}, providers: { aws: {} } };
        // The options each resource ends with, after run()'s own transformations (registered before ours).
        const options = [];
        const program = async () => {
          pulumi.runtime.registerStackTransformation((args) => {
            options.push({ type: args.type, name: args.name, retainOnDelete: args.opts.retainOnDelete ?? false, protect: args.opts.protect ?? false });
            return undefined;
          });
          return mod.run();
        };
        let outputs, failure;
        try {
          outputs = await pulumi.runtime.runInPulumiStack(() => run(program));
        } catch (error) { failure = String(error?.stack ?? error); }
        // Let every pending apply() finish: wait until no resource or RPC call has come for 3 s (1 s was too
        // short on a loaded machine: a pause in registering the dev stage's functions ended the run with none).
        for (let quiet = 0, seen = -1, waited = 0; quiet < 12 && waited < 60000; waited += 250) {
          await new Promise((resolve) => setTimeout(resolve, 250));
          const now = resources.length + rpcCalls.length;
          quiet = now === seen ? quiet + 1 : 0;
          seen = now;
        }
        const resolved = outputs ? await new Promise((resolve) => pulumi.output(outputs).apply(resolve)) : undefined;
        fs.writeFileSync(${JSON.stringify(resultFile)}, JSON.stringify({ app: globalThis.__checkApp, failure, outputs: resolved, resources, rpcCalls, options }));
        process.exit(0);
      `,
      resolveDir: root,
      sourcefile: 'check.ts',
      loader: 'ts',
    },
    plugins: [
      {
        name: 'sst-globals',
        setup(b) {
          b.onLoad({ filter: /\.(js|ts|jsx|tsx)$/ }, async (args) => {
            let contents = await fs.promises.readFile(args.path, 'utf8');
            const ours = !args.path.includes(`${path.sep}.sst${path.sep}`) && !args.path.includes(`${path.sep}node_modules${path.sep}`) && args.path !== mocks;
            if (ours) contents = globals + contents;
            return { contents, loader: 'default' };
          });
        },
      },
    ],
    external: ['@pulumi/*', '@pulumiverse/*', '@sst-provider/*', '@aws-sdk/*', 'undici', 'esbuild', 'archiver', 'glob', 'vite'],
    define: {
      $app: 'globalThis.__checkApp',
      $cli: JSON.stringify(cli),
      $dev: String(dev),
    },
    inject: [path.join(platform, 'src/shim/run.js')],
  });

  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_PATH: path.join(platform, 'node_modules'),
    CHECK_ROOT: root,
    CHECK_WORK: work,
    CHECK_STAGE: stage,
    ...options.env,
  };
  try {
    await promisify(execFile)(process.execPath, [outfile], { cwd: root, env, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 });
  } catch (error) {
    // Pulumi complains on exit about promises a failed program left behind; the result says what failed.
    if (fs.existsSync(resultFile)) return { stage, dev, work, ...JSON.parse(fs.readFileSync(resultFile, 'utf8')) };
    // A component that throws inside an apply() ends the program, as it ends `sst deploy`.
    const crash = error as { stderr?: string; message: string };
    return { stage, dev, work, app: undefined as never, options: [], resources: [], rpcCalls: [], failure: crash.stderr || crash.message };
  } finally {
    fs.rmSync(outfile, { force: true });
  }
  const result = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
  return { stage, dev, work, ...result };
}
