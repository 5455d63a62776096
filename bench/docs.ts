import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Figure } from './stats.js';

/**
 * `npm run bench:docs` (also the last step of `npm run bench`): docs/performance.md from bench/results.json
 * and the prose in bench/performance-template.md. Every table and the figures named in the summary lines
 * come from the results; the dated analysis is the template's text.
 */
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

interface Results {
  measuredAt: string;
  node: string;
  /** NODE_OPTIONS the bench ran with (bench/node-options.ts; recorded since the evening of 2026-12-04). */
  nodeOptions?: string;
  sectionSeconds: Record<string, number>;
  totalSeconds: number;
  figures: Array<Figure & { extra?: Record<string, any> }>;
}

const row = (f: Figure) =>
  `| ${f.name} | ${f.value} | ${f.floor} | ${f.unit} | ${f.ratio}× | ${f.target ?? '—'} | ${f.met === undefined ? '—' : f.met ? 'yes' : '**no**'} |`;

export const figureTable = (figures: Figure[]) =>
  ['| figure | value | floor | unit | ratio | target | met |', '| --- | ---: | ---: | --- | ---: | --- | --- |', ...figures.map(row)].join('\n');

const day = (iso: string) => iso.replace('T', ' ').slice(0, 16);
const number = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits });

/** Which figures were measured in a run of their section alone (their `extra.measuredAt`), by prefix. */
function provenance(results: Results): string {
  const separate = new Map<string, string>();
  for (const figure of results.figures) {
    const at = figure.extra?.measuredAt;
    if (!at || at === results.measuredAt) continue;
    const section = figure.name.replace(/^(cold start|claims\/s|claim writes|board|fleet|api|jobs\/s|mcp).*/, '$1');
    separate.set(section, at);
  }
  const notes = [...separate].map(([section, at]) => `\`${section} …\` from that section run alone (${day(at)})`);
  return (
    `Run of ${day(results.measuredAt)} UTC (Node ${results.node}${results.nodeOptions ? ` with \`${results.nodeOptions}\`` : ''}, ${results.totalSeconds} s, a shared 2-core machine)` +
    (notes.length ? `; ${notes.join(', ')}, merged into \`bench/results.json\`` : '') +
    '.'
  );
}

/** `cold start api/… ×22, cold start mcp/handler, …`: the unmet figures, those of one kind counted. */
function unmetBySection(unmet: Figure[]): string {
  const groups = new Map<string, Figure[]>();
  for (const figure of unmet) {
    const kind = figure.name.replace(/^(cold start api\/|claims\/s|claim writes).*/, '$1');
    groups.set(kind, [...(groups.get(kind) ?? []), figure]);
  }
  return [...groups].map(([kind, list]) => (list.length > 1 ? `${list.length} × ${kind}${kind.endsWith('/') ? '…' : ''}` : list[0].name)).join('; ');
}

function summary(figures: Figure[]): string {
  const targeted = figures.filter((f) => f.met !== undefined);
  const unmet = targeted.filter((f) => f.met === false);
  const onLibraries = (f: Figure) => f.name.includes(', vs the same calls on its libraries');
  const cold = figures.filter((f) => f.name.startsWith('cold start api/') && !onLibraries(f));
  const coldOnLibraries = figures.filter((f) => f.name.startsWith('cold start api/') && onLibraries(f));
  const within = (list: Figure[]) => list.filter((f) => f.met).length;
  const claims = figures.filter((f) => f.name.startsWith('claims/s') && !f.name.endsWith('vs its two writes alone'));
  const claimsOwn = figures.filter((f) => f.name.startsWith('claims/s') && f.name.endsWith('vs its two writes alone'));
  const ratios = (list: Figure[]) => (list.length ? `${Math.min(...list.map((f) => f.ratio))}–${Math.max(...list.map((f) => f.ratio))}×` : '—');
  return [
    `Targets met: **${targeted.length - unmet.length} of ${targeted.length}**.`,
    cold.length ? `REST cold starts within ≤ 1.15×: ${within(cold)} of ${cold.length} against the bare SDK (ratios ${ratios(cold)}), ${within(coldOnLibraries)} of ${coldOnLibraries.length} against the same calls on their libraries (${ratios(coldOnLibraries)}).` : '',
    claims.length ? `Claims (target ≥ 0.9×): ${ratios(claims)} the side-by-side pair, ${ratios(claimsOwn)} their own two writes.` : '',
    unmet.length ? `Not met: ${unmetBySection(unmet)}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

function fleetRun(fleet: Results['figures']): string {
  const runs = new Map<number, Record<string, any>>();
  for (const figure of fleet) if (figure.extra?.agents) runs.set(figure.extra.agents, figure.extra);
  const lines = [...runs.values()].map((extra) => {
    const errors = Object.values(extra.errors ?? {}).reduce((sum: number, n) => sum + Number(n), 0);
    const key = (top: any) => `\`${top.where}\` \`${String(top.key).replace(/#[0-9a-f-]{36}$/, '#…')}\``;
    const wcu = (extra.topWcu ?? []).slice(0, 3).map((top: any) => `${key(top)} ${top.wcuPerSecond}`);
    const rcu = (extra.topRcu ?? []).slice(0, 3).map((top: any) => `${key(top)} ${top.rcuPerSecond}`);
    return (
      `- **${number(extra.agents)} agents**: ${extra.realSeconds} real s for ${extra.simulatedSeconds} simulated (${String(extra.slowdown).replace(' (', ' ').replace(/\)$/, '')}), ` +
      `${number(extra.requestsMetered)} metered requests, ${extra.throttlesThrown} throttled, ${errors} failed operations. ` +
      `Hottest keys (peak second): writes ${wcu.join(', ')} WCU/s; reads ${rcu.join(', ')} RCU/s.`
    );
  });
  return lines.join('\n');
}

function cost(fleet: Results['figures']): string {
  const runs = new Map<number, Record<string, any>>();
  for (const figure of fleet) if (figure.extra?.cost) runs.set(figure.extra.agents, figure.extra);
  return [
    '| agents | writes/s | reads/s | writes per month | reads per month | $ writes | $ reads | $ total / month |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...[...runs.values()].map(({ agents, cost: c }) =>
      `| ${number(agents)} | ${number(c.writeUnitsPerSecond, 1)} | ${number(c.readUnitsPerSecond)} | ${number(c.writeUnitsPerMonthMillions)} M | ${number(c.readUnitsPerMonthMillions)} M | ${number(c.writeUSDPerMonth)} | ${number(c.readUSDPerMonth)} | **${number(c.totalUSDPerMonth)}** |`,
    ),
  ].join('\n');
}

const sectionNote = (figures: Results['figures'], key: string, seconds?: number) => {
  const at = figures.find((f) => f.extra?.measuredAt)?.extra?.measuredAt;
  return `The ${key} section (\`BENCH_SECTIONS=${key}\`${seconds ? `, ${seconds} s` : ''}${at ? `, run ${day(at)}` : ''}); every figure, with its details (\`extra\`), is in \`bench/results.json\`:`;
};

/** docs/performance.md as text. */
export function performanceDoc(results: Results, template: string): string {
  const board = results.figures.filter((f) => f.name.startsWith('board '));
  const fleet = results.figures.filter((f) => f.name.startsWith('fleet '));
  const main = results.figures.filter((f) => !board.includes(f) && !fleet.includes(f));
  const values: Record<string, string> = {
    provenance: provenance(results),
    figures: figureTable(main),
    summary: summary(results.figures),
    boardProvenance: board.length ? sectionNote(board, 'board', results.sectionSeconds.board) : 'No board figures in `bench/results.json` yet.',
    board: board.length ? figureTable(board) : '',
    fleetProvenance: fleet.length ? sectionNote(fleet, 'fleet', results.sectionSeconds.fleet).replace(/:$/, "; the floor column is DynamoDB's limit:") : 'No fleet figures in `bench/results.json` yet.',
    fleet: fleet.length ? figureTable(fleet) : '',
    fleetRun: fleetRun(fleet),
    cost: cost(fleet),
  };
  const body = template
    .replace(/^<!--[\s\S]*?-->\n/, '')
    .replace(/\{\{(\w+)\}\}/g, (whole, key: string) => {
      if (!(key in values)) throw new Error(`bench/performance-template.md names {{${key}}}, which bench/docs.ts does not fill`);
      return values[key];
    });
  return `<!-- Generated by \`npm run bench:docs\` from bench/results.json and bench/performance-template.md: do not edit. -->\n${body}`;
}

export function writePerformanceDoc(resultsPath = join(here, 'results.json'), out = join(root, 'docs', 'performance.md')): string {
  const results = JSON.parse(readFileSync(resultsPath, 'utf8')) as Results;
  const template = readFileSync(join(here, 'performance-template.md'), 'utf8');
  writeFileSync(out, performanceDoc(results, template));
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(`written ${writePerformanceDoc()}`);
}
