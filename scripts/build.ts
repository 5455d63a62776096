/**
 * `npm run build`: one self-contained ESM bundle per function declared in infra/ (every REST route, the
 * MCP function, the queue worker, the sweeper) in `dist/functions/<handler path>.mjs`, with a source map,
 * minified and tree-shaken, for Lambda's nodejs22.x runtime. Everything is bundled, the AWS SDK included,
 * so each zip runs on its own. Prints each bundle's size.
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { deployables, type Deployable } from '../stacks/deployables.js';

export const projectRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const defaultOutdir = join(projectRoot, 'dist', 'functions');

/** Bundled CommonJS dependencies may call `require`; ESM has none, so give them one. */
const requireBanner = "import { createRequire as __aiworkerCreateRequire } from 'node:module'; const require = __aiworkerCreateRequire(import.meta.url);";

export interface BuiltBundle {
  fn: Deployable;
  /** Absolute path of the `.mjs` bundle; its source map sits beside it as `.mjs.map`. */
  file: string;
  /** What its cold start loads: the file, and with code splitting the chunks it imports statically. */
  bytes: number;
  mapBytes: number;
}

/** `functions/api/tasks/get` → `<outdir>/api/tasks/get.mjs`. */
export const bundlePath = (outdir: string, handler: string) => join(outdir, `${handler.replace(/^functions\//, '')}.mjs`);

/** The handler's source file, or undefined when it does not exist (yet). */
export function sourceOf(handler: string, root = projectRoot): string | undefined {
  return ['.ts', '.mts', '.js', '.mjs'].map((ext) => join(root, `${handler}${ext}`)).find((file) => existsSync(file));
}

export class MissingHandlersError extends Error {
  constructor(readonly handlers: string[]) {
    super(`infra/ declares functions whose handler file does not exist: ${handlers.map((handler) => `${handler}.ts`).join(', ')}`);
  }
}

/**
 * The esbuild settings of SST's Node runtime for `sst deploy` (the sst CLI's pkg/runtime/node/build.go, with the
 * Function component's defaults: `nodejs.minify` true, `nodejs.sourcemap` false, ESM): what AWS really runs.
 */
export const sstEsbuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'esnext',
  mainFields: ['module', 'main'],
  keepNames: true,
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: true,
  sourcemap: false,
  external: ['sharp', 'pg-native'],
  banner: {
    js: [
      "import { createRequire as topLevelCreateRequire } from 'module';",
      'const require = topLevelCreateRequire(import.meta.url);',
      'import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"',
      'const __filename = topLevelFileUrlToPath(import.meta.url)',
      'const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))',
      '',
    ].join('\n'),
  },
} as const;

/**
 * Bundles `functions` (default: every function in infra/) into `outdir`, emptied first. Fails, naming them, if
 * any handler file is missing. `settings: 'sst'` bundles as SST does on deploy (sstEsbuildOptions) instead of
 * with this project's own settings.
 */
export async function buildFunctions(options: { outdir?: string; functions?: Deployable[]; settings?: 'project' | 'sst' } = {}): Promise<BuiltBundle[]> {
  const outdir = options.outdir ?? defaultOutdir;
  const functions = options.functions ?? deployables();
  const missing = functions.filter((fn) => !sourceOf(fn.handler)).map((fn) => fn.handler);
  if (missing.length) throw new MissingHandlersError(missing);
  // No stale bundles of functions infra/ no longer has.
  rmSync(outdir, { recursive: true, force: true });

  // The project's settings: one esbuild run with every function as an entry point (esbuild works on them in
  // parallel, and without code splitting each output is a complete bundle of its own).
  const entryPoints = functions.map((fn) => ({ in: sourceOf(fn.handler)!, out: fn.handler.replace(/^functions\//, '') }));
  const common = { entryPoints, outdir, outExtension: { '.js': '.mjs' }, absWorkingDir: projectRoot, splitting: false, logLevel: 'warning' as const };
  /** Per bundle file: the bytes a cold start loads (the file and the chunks it imports statically). */
  const loadedAtStart = new Map<string, number>();
  if (options.settings === 'sst') {
    // SST builds each function on its own and, with `nodejs.splitting` (stacks/lambda.ts), puts what the
    // function imports dynamically (the SQS client, the Gitea client) into chunks of its own, loaded on first
    // use. Each function's chunks go beside it, named after it.
    await Promise.all(
      entryPoints.map(async (entry) => {
        const { metafile } = await build({
          ...common,
          ...sstEsbuildOptions,
          entryPoints: [entry],
          splitting: true,
          chunkNames: `${entry.out}.chunks/[name]-[hash]`,
          mainFields: [...sstEsbuildOptions.mainFields],
          external: [...sstEsbuildOptions.external],
          metafile: true,
        });
        const file = join(outdir, `${entry.out}.mjs`);
        const seen = new Set<string>();
        const visit = (output: string) => {
          if (seen.has(output)) return;
          seen.add(output);
          for (const imported of metafile.outputs[output].imports) if (imported.kind === 'import-statement' && metafile.outputs[imported.path]) visit(imported.path);
        };
        visit(Object.keys(metafile.outputs).find((output) => resolve(projectRoot, output) === file)!);
        loadedAtStart.set(file, [...seen].reduce((sum, output) => sum + metafile.outputs[output].bytes, 0));
      }),
    );
  } else {
    await build({
      ...common,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      // Prefer packages' ESM builds; tree shaking works best on them.
      mainFields: ['module', 'main'],
      minify: true,
      treeShaking: true,
      sourcemap: true,
      legalComments: 'none',
      banner: { js: requireBanner },
    });
  }
  return functions.map((fn) => {
    const file = bundlePath(outdir, fn.handler);
    return { fn, file, bytes: loadedAtStart.get(file) ?? statSync(file).size, mapBytes: existsSync(`${file}.map`) ? statSync(`${file}.map`).size : 0 };
  });
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** A table of bundle sizes, largest first. */
export function sizeTable(bundles: BuiltBundle[], outdir = defaultOutdir): string {
  const rows = [...bundles].sort((a, b) => b.bytes - a.bytes).map((bundle) => [relative(outdir, bundle.file), bundle.fn.kind, kib(bundle.bytes), kib(bundle.mapBytes)]);
  const header = ['bundle', 'kind', 'size', 'source map'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column >= 2 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ');
  const total = bundles.reduce((sum, bundle) => sum + bundle.bytes, 0);
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line), '', `${bundles.length} bundles, ${kib(total)} in ${outdir}`].join('\n');
}

async function main() {
  const started = Date.now();
  try {
    const bundles = await buildFunctions();
    console.log(sizeTable(bundles));
    console.log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
