/**
 * SST's platform (its components, as TypeScript) for the pinned `sst` version, in `.sst/platform/`
 * (git-ignored), the way the `sst` CLI lays it out — without running the CLI, which downloads Pulumi.
 *
 * The npm package `sst-linux-x64` (an optional dependency of `sst`) holds the CLI, a Go binary that embeds
 * the whole platform folder through Go's `embed` table: 48-byte entries (name pointer and length, data
 * pointer and length, a hash) in ELF64 virtual addresses. This reads that table, writes every file,
 * `npm install`s the platform's own dependencies (Pulumi and its AWS provider, pinned by the platform;
 * about a minute the first time) and writes `config.d.ts` as the CLI does for the `aws` provider.
 * Everything is cached, keyed on the sst version: a second call returns at once.
 *
 *   npx tsx scripts/sst-platform.ts      # prints the platform folder
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const sstFolder = path.join(projectRoot, '.sst');
export const platformFolder = path.join(sstFolder, 'platform');
const stampFile = path.join(platformFolder, '.aiworker-stamp.json');

/** The pinned sst version (package.json) and the CLI binary that carries its platform. */
export function sstPackage(): { version: string; binary: string } {
  const require = createRequire(path.join(projectRoot, 'package.json'));
  // `sst` exports no ./package.json: find it above the package's entry point.
  let dir = path.dirname(require.resolve('sst'));
  while (!fs.existsSync(path.join(dir, 'package.json')) || JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== 'sst') {
    if (path.dirname(dir) === dir) throw new Error('The npm package sst is not installed; run npm install.');
    dir = path.dirname(dir);
  }
  const { version } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  const cli = `sst-${process.platform === 'win32' ? 'win32' : process.platform}-${process.arch}`;
  let binary: string;
  try {
    binary = path.join(path.dirname(require.resolve(`${cli}/package.json`)), 'bin', 'sst');
  } catch {
    throw new Error(`The npm package ${cli} (sst's CLI for this machine) is not installed; run npm install.`);
  }
  return { version, binary };
}

interface Section { addr: bigint; offset: number; size: number }

/** Every file of Go's embed table that holds `marker` (a file name known to be in it). */
export function extractEmbedded(binaryPath: string, marker: string): Map<string, Buffer> {
  const bin = fs.readFileSync(binaryPath);
  const sectionsAt = Number(bin.readBigUInt64LE(0x28));
  const entrySize = bin.readUInt16LE(0x3a);
  const count = bin.readUInt16LE(0x3c);
  const sections: Section[] = [];
  for (let i = 0; i < count; i++) {
    const at = sectionsAt + i * entrySize;
    const type = bin.readUInt32LE(at + 4);
    const addr = bin.readBigUInt64LE(at + 16);
    if (addr && type !== 8 /* NOBITS */) sections.push({ addr, offset: Number(bin.readBigUInt64LE(at + 24)), size: Number(bin.readBigUInt64LE(at + 32)) });
  }
  const toOffset = (v: bigint) => {
    const s = sections.find((s) => v >= s.addr && v < s.addr + BigInt(s.size));
    return s ? Number(v - s.addr) + s.offset : undefined;
  };
  const toAddr = (o: number) => {
    const s = sections.find((s) => o >= s.offset && o < s.offset + s.size);
    return s ? s.addr + BigInt(o - s.offset) : undefined;
  };
  const entry = (o: number) => {
    if (o < 0 || o + 48 > bin.length) return undefined;
    const nameLength = Number(bin.readBigUInt64LE(o + 8));
    const nameAt = toOffset(bin.readBigUInt64LE(o));
    if (nameAt === undefined || nameLength === 0 || nameLength > 400) return undefined;
    const name = bin.subarray(nameAt, nameAt + nameLength).toString('utf8');
    if (!/^[\w./@\-+ ]+$/.test(name)) return undefined;
    const dataLength = Number(bin.readBigUInt64LE(o + 24));
    const dataAt = dataLength ? toOffset(bin.readBigUInt64LE(o + 16)) : 0;
    if (dataAt === undefined) return undefined;
    return { name, data: bin.subarray(dataAt, dataAt + dataLength) };
  };

  const needle = Buffer.from(marker);
  let found = -1;
  for (let at = bin.indexOf(needle); at >= 0 && found < 0; at = bin.indexOf(needle, at + 1)) {
    const addr = toAddr(at);
    if (addr === undefined) continue;
    const pattern = Buffer.alloc(16);
    pattern.writeBigUInt64LE(addr, 0);
    pattern.writeBigUInt64LE(BigInt(needle.length), 8);
    found = bin.indexOf(pattern);
  }
  if (found < 0) throw new Error(`${binaryPath}: no embedded file named ${marker}`);
  let start = found;
  while (entry(start - 48)) start -= 48;
  const files = new Map<string, Buffer>();
  for (let o = start; ; o += 48) {
    const e = entry(o);
    if (!e) break;
    if (!e.name.endsWith('/')) files.set(e.name, Buffer.from(e.data));
  }
  return files;
}

/** What the CLI writes as `.sst/platform/config.d.ts` for an app whose only provider is `aws`. */
const configDts = `import "./src/global.d.ts"
import "../types.generated"
import { AppInput, App, Config } from "./src/config"
import * as _aws from "@pulumi/aws";


declare global {
  // @ts-expect-error
  export import aws = _aws
  interface Providers {
    providers?: {
      "aws"?:  (_aws.ProviderArgs & { version?: string }) | boolean | string;
    }
  }
  export const $config: (
    input: Omit<Config, "app"> & {
      app(input: AppInput): Omit<App, "providers"> & Providers;
    },
  ) => Config;
}
`;

const log = (line: string) => process.stderr.write(`sst-platform: ${line}\n`);

/** Extracts and installs the platform of the pinned sst version unless it is already there; returns its folder. */
export function ensurePlatform(): string {
  const { version, binary } = sstPackage();
  const stamp = JSON.stringify({ version });
  const ready = () => fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp;
  if (ready()) return platformFolder;

  // One process prepares it; others (parallel test files, typecheck) wait for it.
  fs.mkdirSync(sstFolder, { recursive: true });
  const lock = path.join(sstFolder, 'platform.lock');
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 10 * 60_000) fs.rmSync(lock, { recursive: true, force: true }); // left by a killed process
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    if (!ready()) preparePlatform(version, binary, stamp);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
  return platformFolder;
}

function preparePlatform(version: string, binary: string, stamp: string): void {
  const started = Date.now();
  fs.rmSync(platformFolder, { recursive: true, force: true });
  const files = extractEmbedded(binary, 'src/components/aws/cron-v2.ts');
  if (!files.has('package.json') || !files.has('src/auto/run.ts')) throw new Error(`${binary}: the embedded platform is incomplete`);
  for (const [name, data] of files) {
    const target = path.join(platformFolder, name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, data);
  }
  fs.writeFileSync(path.join(platformFolder, 'config.d.ts'), configDts);
  fs.writeFileSync(path.join(sstFolder, 'types.generated.ts'), 'export {};\n');
  log(`sst ${version}: ${files.size} platform files in ${path.relative(projectRoot, platformFolder)}; installing its dependencies (about a minute, once)`);
  execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'], {
    cwd: platformFolder,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, npm_config_workspaces: 'false' },
  });
  fs.writeFileSync(stampFile, stamp);
  log(`ready in ${Math.round((Date.now() - started) / 1000)} s`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  console.log(ensurePlatform());
}
