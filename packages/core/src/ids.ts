import { randomUUID } from 'node:crypto';
import { clockDate } from './clock.js';

/** Opaque ids. */
export const newId = (): string => randomUUID();

/** The first block of an id: short enough for branch names, unique enough within a repository. */
export const shortId = (id: string): string => id.replace(/-/g, '').slice(0, 8);

export const now = (): string => clockDate().toISOString();
