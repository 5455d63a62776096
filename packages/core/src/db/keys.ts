import { createHash } from 'node:crypto';
import { legacyIndexes, table } from '@aiworker/infra/table';

/** Attribute names of every key the table and its indexes use; stripped before an item leaves the repository. */
export const KEY_ATTRIBUTES: readonly string[] = [
  table.partitionKey,
  table.sortKey,
  ...table.indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
];

/** Key attributes of the first layout: stripped too, so a migrated item never carries them again. */
const LEGACY_KEY_ATTRIBUTES: readonly string[] = legacyIndexes.flatMap((index) => [index.partitionKey, index.sortKey]);

export type IndexName = 'all' | 'owner' | 'assignee' | 'status' | 'projectState' | 'backlog' | 'projectBacklog';

export const indexKeys = (name: IndexName) => {
  const index = table.indexes.find((candidate) => candidate.name === name);
  if (!index) throw new Error(`Unknown index ${name}`);
  return index;
};

/** `{ <index>Pk: pk, <index>Sk: sk }`: the attributes that put an item into one index. */
export const indexEntry = (name: IndexName, pk: string, sk: string): Record<string, string> => {
  const { partitionKey, sortKey } = indexKeys(name);
  return { [partitionKey]: pk, [sortKey]: sk };
};

export const SHARDS = table.shards;
export const allShards = (): number[] => Array.from({ length: SHARDS }, (_, shard) => shard);

/** The shard of an entity: fixed for its life (a hash of its id), so its sharded keys only move with its state. */
export const shardOf = (id: string): number => createHash('sha1').update(id).digest().readUInt32BE(0) % SHARDS;

/** Sorts higher priority first, then older first, then by id. */
export const rankKey = (priority: number, createdAt: string, id: string): string =>
  `${String(100 - priority).padStart(3, '0')}#${createdAt}#${id}`;

export const timeKey = (at: string, id: string): string => `${at}#${id}`;

/** Whether a backlog task can be claimed (READY) or waits for a dependency or a person (BLOCKED). */
export type BacklogKind = 'READY' | 'BLOCKED';

/**
 * The backlog indexes' partitions: one per kind and shard (`backlog`), one per kind and project
 * (`projectBacklog`). Claims read the READY ones; a dependency finishing moves a task into them.
 */
export const backlogPk = (kind: BacklogKind, shard: number): string => `${kind}#${shard}`;
export const projectBacklogPk = (kind: BacklogKind, projectId: string): string => `${kind}#${projectId}`;

/** A project's item (and the partition of its day costs). */
export const projectPk = (id: string): string => `PROJECT#${id}`;

const STRIPPED = new Set([...KEY_ATTRIBUTES, ...LEGACY_KEY_ATTRIBUTES]);

/**
 * The item without its key attributes. Built afresh rather than copied and `delete`d: an object that loses
 * properties turns into a slow dictionary in V8, and the board strips over 1,000 items a read (29 ms of a
 * cold start's profile, with ~20 deletes each).
 */
export function stripKeys<T>(item: Record<string, unknown>): T {
  const copy: Record<string, unknown> = {};
  for (const name of Object.keys(item)) if (!STRIPPED.has(name)) copy[name] = item[name];
  return copy as T;
}
