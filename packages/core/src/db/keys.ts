import { table } from '../../../../infra/table.js';

/** Attribute names of every key the table and its indexes use; stripped before an item leaves the repository. */
export const KEY_ATTRIBUTES: readonly string[] = [
  table.partitionKey,
  table.sortKey,
  ...table.indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
];

export type IndexName = 'gsi1' | 'gsi2' | 'gsi3' | 'gsi4' | 'gsi5';

export const indexKeys = (name: IndexName) => {
  const index = table.indexes.find((candidate) => candidate.name === name);
  if (!index) throw new Error(`Unknown index ${name}`);
  return index;
};

/** Sorts higher priority first, then older first, then by id. */
export const rankKey = (priority: number, createdAt: string, id: string): string =>
  `${String(100 - priority).padStart(3, '0')}#${createdAt}#${id}`;

export const timeKey = (at: string, id: string): string => `${at}#${id}`;

export function stripKeys<T>(item: Record<string, unknown>): T {
  const copy: Record<string, unknown> = { ...item };
  for (const attribute of KEY_ATTRIBUTES) delete copy[attribute];
  return copy as T;
}
