import { claimRepository, type Candidate, type CandidatePartition } from '../db/claim-repository.js';
import { allShards, shardOf } from '../db/keys.js';
import { clockMs } from '../clock.js';

/**
 * Claimable tasks as this process last read them from the sparse `backlog` / `projectBacklog` indexes
 * (backlog tasks whose dependencies are all done; keys, rank and project only). A copy may be stale — a
 * claim is a write conditioned on the task's own state, so a candidate someone else took just loses —
 * which lets many claims share one read:
 *   - a process hands each candidate to one of its claims at most (no two claims here try the same task);
 *   - a copy older than FRESH_MS (FLEET_FRESH_MS for every project's) is read again in the background while
 *     it still serves claims, up to twice that; one older than that, or used up, is read again before the
 *     claim goes on (by one Query per shard, side by side, shared by every claim waiting for it);
 *   - "no task" is only answered from a read made for that very question.
 * Picking spreads agents from the first try: the next claim takes a random one of the oldest few tasks
 * of the highest priority waiting, so claims in different processes (Lambda instances) rarely collide.
 */
export type { Candidate };

const FRESH_MS = 250;
/**
 * Every project's claimable tasks (no projectId) are read from all 8 shards: 8 Queries a read. Read every
 * 250 ms, they cost 64 agents claiming at once about 7% of their claims/s (0.86–0.93× the claim's own two
 * writes, against 0.95–1.00× at 1 s; bench `claims`), so that copy stays fresh for 1 s: a task filed for any
 * project reaches a busy process's claims within 1 s (2 s at most), one project's within 250 ms. A copy used
 * up is read again at once either way.
 */
const FLEET_FRESH_MS = 1000;
const freshMs = (projectId?: string) => (projectId ? FRESH_MS : FLEET_FRESH_MS);
/** How old a copy may be and still hand out candidates while a fresh read runs (the staleness bound). */
const staleMs = (projectId?: string) => 2 * freshMs(projectId);
/** Candidates read per shard (global) or per project: about what a busy process claims in FRESH_MS. */
const PER_PARTITION = 25;
/**
 * A page also covers the tasks this process has in flight in that partition (they rank first and are
 * skipped), so a process running many claims at once (the local runtime) reads once instead of paging past
 * them. Only the partition's own: 64 claims in flight spread over 8 shards add about 8 to each shard's page,
 * not 64 (8 pages of 89 items were read where 8 of 33 do). A Lambda instance runs one claim at a time: its
 * pages stay PER_PARTITION long.
 */
const MAX_PAGE = 250;
const pageSize = (partition: CandidatePartition) => {
  let inFlightHere = 0;
  for (const held of taken.values()) if ('shard' in partition ? held.shard === partition.shard : held.projectId === partition.projectId) inFlightHere++;
  // What is usable beyond them is at least one candidate per claim in flight, so N claims at once do not
  // use up a read in one round of claims (64 at once with a project read every 60–75 ms with 25 usable).
  return Math.min(MAX_PAGE, inFlightHere + Math.max(PER_PARTITION, inFlightHere));
};
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
  /** Whether a partition had more claimable tasks than the read took (a page ended with a key to go on from). */
  more: boolean;
}
const copies = new Map<string, Copy>();
/**
 * Candidates this process handed out whose claims are still in flight: a read made meanwhile would list
 * them again, and a second claim here would only lose them. (Bounded in time in case a claim never
 * reports back.)
 */
const TAKEN_MS = 10_000;
const taken = new Map<string, { at: number; projectId: string; shard: number }>();
const reading = new Map<string, Promise<Copy>>();
/**
 * Tasks a claim here found no longer claimable (won, or lost to someone else), and when: a read that began
 * before then may still list them (its Query ran before the write that took them, its answer came after),
 * so it skips them. Without this, 64 claims at once in one process lost about 1 in 22 tries to their own
 * finished claims: two writes and a read more each.
 */
const gone = new Map<string, number>();

const scopeKey = (projectId?: string) => projectId ?? '*';

/**
 * The first claimable tasks of one partition, skipping those this process has just handed out (their
 * claims are in flight): reads on while a page holds only such tasks.
 */
async function readPartition(partition: CandidatePartition, started: number): Promise<{ found: Candidate[]; inFlight: number; more: boolean }> {
  const found: Candidate[] = [];
  let inFlight = 0;
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await claimRepository.candidates(partition, pageSize(partition), startKey);
    for (const candidate of result.candidates) {
      const goneAt = gone.get(candidate.id);
      if (taken.has(candidate.id)) inFlight++;
      else if (goneAt === undefined || goneAt <= started) found.push(candidate);
    }
    startKey = result.startKey;
    if (found.length > 0 || !startKey) break;
  }
  return { found, inFlight, more: startKey !== undefined };
}

async function read(projectId?: string): Promise<Copy> {
  const key = scopeKey(projectId);
  const pending = reading.get(key);
  if (pending) return pending;
  const started = clockMs();
  const cutoff = started - TAKEN_MS;
  for (const [id, held] of taken) if (held.at < cutoff) taken.delete(id);
  for (const [id, at] of gone) if (at < cutoff) gone.delete(id);
  const promise = (async () => {
    const parts = projectId
      ? [await readPartition({ projectId }, started)]
      : await Promise.all(allShards().map((shard) => readPartition({ shard }, started)));
    const items = parts.flatMap((part) => part.found).sort((a, b) => a.rank.localeCompare(b.rank));
    const inFlight = parts.reduce((sum, part) => sum + part.inFlight, 0);
    const more = parts.some((part) => part.more);
    const copy = { readAt: started, items, found: items.length, ids: items.map((item) => item.id), inFlight, more };
    copies.set(key, copy);
    return copy;
  })().finally(() => reading.delete(key));
  reading.set(key, promise);
  return promise;
}

/**
 * A copy of a partition that holds more than the read took, three quarters used: the next read starts now,
 * beside the claims, rather than when the copy runs out and every claim here waits for it. At 8 agents
 * claiming every project's tasks (about 350 claims/s here) a copy of 200 ran out in 0.6 s, well within its
 * second of freshness.
 */
const runningLow = (copy: Copy) => copy.more && copy.items.length * 4 <= copy.found;

/** Takes one candidate out of the copy: random among the oldest SPREAD of the highest priority. */
function take(copy: Copy, exclude: Set<string>): Candidate | undefined {
  // Most claims have lost no race yet (nothing to exclude): the copy is then read as it is, not copied.
  const items = exclude.size ? copy.items.filter((item) => !exclude.has(item.id)) : copy.items;
  if (items.length === 0) return undefined;
  const priority = items[0].rank.slice(0, 3);
  const top = items.slice(0, SPREAD).filter((item) => item.rank.startsWith(priority));
  const chosen = top[Math.floor(Math.random() * top.length)];
  copy.items.splice(copy.items.indexOf(chosen), 1);
  taken.set(chosen.id, { at: clockMs(), projectId: chosen.projectId, shard: shardOf(chosen.id) });
  return chosen;
}

/**
 * The next candidate for a claim, or undefined when a fresh read has none (other than `exclude`: tasks
 * this claim already lost).
 */
export async function nextCandidate(projectId: string | undefined, exclude: Set<string>): Promise<Candidate | undefined> {
  const copy = copies.get(scopeKey(projectId));
  const age = copy ? clockMs() - copy.readAt : Infinity;
  if (copy && age < staleMs(projectId)) {
    // Past its freshness (but within twice that) the copy still serves this claim while the next read runs beside
    // it (read() joins one already running), so a process claiming steadily never waits for a read; a read's
    // failure only leaves the copy as it is.
    if (age >= freshMs(projectId) || runningLow(copy)) void read(projectId).catch(() => undefined);
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

/**
 * The claim of a candidate this process handed out is over: `noLongerClaimable` when the task is not claimable now
 * (this claim won it, or lost it to another), else given back (still claimable).
 */
export function settleCandidate(id: string, noLongerClaimable = false): void {
  taken.delete(id);
  if (noLongerClaimable) gone.set(id, clockMs());
}

/** Forgets every copy (tests that change the backlog behind the runtime's back). */
export function forgetCandidates(): void {
  copies.clear();
  taken.clear();
  gone.clear();
}
