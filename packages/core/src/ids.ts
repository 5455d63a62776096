import { randomUUID } from 'node:crypto';

/** Opaque ids. */
export const newId = (): string => randomUUID();

/** The first block of an id: short enough for branch names, unique enough within a repository. */
export const shortId = (id: string): string => id.replace(/-/g, '').slice(0, 8);

export const now = (): string => new Date().toISOString();
