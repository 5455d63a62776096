import { claimRepository, type Candidate, type CandidatePartition } from '../db/claim-repository.js';
import { allShards } from '../db/keys.js';
import { clockMs } from '../clock.js';

/**
 * Claimable tasks as this process last read them from the sparse `backlog` / `projectBacklog` indexes
 * (backlog tasks whose dependencies are all done; keys, rank and project only). A copy may be stale — a
 * claim is a write conditioned on the task's own state, so a candidate someone else took just loses —
 * which lets many claims share one read:
 *   - a process hands each candidate to one of its claims at most (no two claims here try the same task);
 *   - a copy older than FRESH_MS is read again in the background while it still serves claims, up to
 *     STALE_MS; one older than that, or used up, is read again before the claim goes on (by one Query per
 *     shard, side by side, shared by every claim waiting for it);
 *   - "no task" is only answered from a read made for that very question.
 * Picking spreads agents from the first try: the next claim takes a random one of the oldest few tasks
 * of the highest priority waiting, so claims in different processes (Lambda instances) rarely collide.
 */
export type { Candidate };

const FRESH_MS = 250;
/** How old a copy may be and still hand out candidates while a fresh read runs (the staleness bound). */
const STALE_MS = 2 * FRESH_MS;
/** Candidates read per shard (global) or per project: about what a busy process claims in FRESH_MS. */
const PER_PARTITION = 25;
/**
 * A page also covers the tasks this process has in flight (they rank first and are skipped), so a process
 * running many claims at once (the local runtime) reads once instead of paging past them. A Lambda
 * instance runs one claim at a time: its pages stay PER_PARTITION long.
 */
const MAX_PAGE = 250;
const pageSize = () => Math.min(MAX_PAGE, PER_PARTITION + taken.size);
/** Pages read past tasks in flight before a partition counts as empty. */
const MAX_PAGES = 8;
/** Reads one claim makes before it gives up looking. */
const MAX_ROUNDS = 40;
/** How many of the oldest equal-priority tasks a pick chooses from. */
const SPREAD = 8;

interface Copy {
  readAt: number;
  items: Candidate[];
  /** How many candidates the read found, and their ids (before claims here took them). */
  found: number;
  ids: string[];
  /** Tasks the read found but skipped: their claims are in flight in this process. */
  inFlight: number;
}
const copies = new Map<string, Copy>();
/**
 * Candidates this process handed out whose claims are still in flight: a read made meanwhile would list
 * them again, and a second claim here would only lose them. (Bounded in time in case a claim never
 * reports back.)
 */
const TAKEN_MS = 10_000;
const taken = new Map<string, number>();
const reading = new Map<string, Promise<Copy>>();

const scopeKey = (projectId?: string) => projectId ?? '*';

/**
 * The first claimable tasks of one partition, skipping those this process has just handed out (their
 * claims are in flight): reads on while a page holds only such tasks.
 */
async function readPartition(partition: CandidatePartition): Promise<{ found: Candidate[]; inFlight: number }> {
  const found: Candidate[] = [];
  let inFlight = 0;
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await claimRepository.candidates(partition, pageSize(), startKey);
    for (const candidate of result.candidates) {
      if (taken.has(candidate.id)) inFlight++;
      else found.push(candidate);
    }
    startKey = result.startKey;
    if (found.length > 0 || !startKey) break;
  }
  return { found, inFlight };
}

async function read(projectId?: string): Promise<Copy> {
  const key = scopeKey(projectId);
  const pending = reading.get(key);
  if (pending) return pending;
  const started = clockMs();
  const cutoff = started - TAKEN_MS;
  for (const [id, at] of taken) if (at < cutoff) taken.delete(id);
  const promise = (async () => {
    const parts = projectId
      ? [await readPartition({ projectId })]
      : await Promise.all(allShards().map((shard) => readPartition({ shard })));
    const items = parts.flatMap((part) => part.found).sort((a, b) => a.rank.localeCompare(b.rank));
    const inFlight = parts.reduce((sum, part) => sum + part.inFlight, 0);
    const copy = { readAt: started, items, found: items.length, ids: items.map((item) => item.id), inFlight };
    copies.set(key, copy);
    return copy;
  })().finally(() => reading.delete(key));
  reading.set(key, promise);
  return promise;
}

/** Takes one candidate out of the copy: random among the oldest SPREAD of the highest priority. */
function take(copy: Copy, exclude: Set<string>): Candidate | undefined {
  const items = copy.items.filter((item) => !exclude.has(item.id));
  if (items.length === 0) return undefined;
  const priority = items[0].rank.slice(0, 3);
  const top = items.slice(0, SPREAD).filter((item) => item.rank.startsWith(priority));
  const chosen = top[Math.floor(Math.random() * top.length)];
  copy.items = copy.items.filter((item) => item !== chosen);
  taken.set(chosen.id, clockMs());
  return chosen;
}

/**
 * The next candidate for a claim, or undefined when a fresh read has none (other than `exclude`: tasks
 * this claim already lost).
 */
export async function nextCandidate(projectId: string | undefined, exclude: Set<string>): Promise<Candidate | undefined> {
  const copy = copies.get(scopeKey(projectId));
  const age = copy ? clockMs() - copy.readAt : Infinity;
  if (copy && age < STALE_MS) {
    // Past FRESH_MS (but within STALE_MS) the copy still serves this claim while the next read runs beside
    // it (read() joins one already running), so a process claiming steadily never waits for a read; a read's
    // failure only leaves the copy as it is.
    if (age >= FRESH_MS) void read(projectId).catch(() => undefined);
    const candidate = take(copy, exclude);
    if (candidate) return candidate;
  }
  // A read shared with other claims here may be used up by them before this one takes from it: read
  // again. A read that found tasks, but only ones whose claims are in flight here, is no "no task" yet:
  // those claims may give theirs back (wait for them a moment).
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const fresh = await read(projectId);
    const candidate = take(fresh, exclude);
    if (candidate) return candidate;
    const open = fresh.found - countExcluded(fresh, exclude);
    if (open <= 0 && fresh.inFlight === 0) return undefined;
    if (open <= 0) await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
  }
  return undefined;
}

const countExcluded = (copy: Copy, exclude: Set<string>) => copy.ids.filter((id) => exclude.has(id)).length;

/** The claim of a candidate this process handed out is over (won, lost or given back). */
export function settleCandidate(id: string): void {
  taken.delete(id);
}

/** Forgets every copy (tests that change the backlog behind the runtime's back). */
export function forgetCandidates(): void {
  copies.clear();
  taken.clear();
}
