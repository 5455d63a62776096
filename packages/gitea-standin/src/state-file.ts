import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SavedIssues } from './issues.js';
import type { SavedOAuth } from './oauth.js';
import type { SavedReviewLoop } from './review-loop.js';
import type { SavedStatuses } from './statuses.js';
import type { SavedGiteaState } from './state.js';

/**
 * What Gitea keeps in its database, kept by the stand-in in one JSON file so a restart forgets nothing:
 * the port (links handed out stay valid), users, repositories' pull requests and their numbers, reviews,
 * comments, hooks, tokens, OAuth2 applications. The git data itself is in the bare repositories.
 */
export interface StandInSnapshot {
  format: 1;
  port: number;
  state: SavedGiteaState;
  reviewLoop: SavedReviewLoop;
  oauth: SavedOAuth;
  /** Issues and labels (absent in a file written before the stand-in had them). */
  issues?: SavedIssues;
  /** Commit statuses (absent in files written before they were kept). */
  statuses?: SavedStatuses;
}

export class StateFileError extends Error {}

/** The file, written whole and atomically (a temporary file, fsync, rename) whenever what it holds changed. */
export class StateFile {
  private written: string | undefined;

  constructor(readonly path: string) {}

  /** The snapshot kept there, or undefined when there is none yet. */
  load(): StandInSnapshot | undefined {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let snapshot: StandInSnapshot;
    try {
      snapshot = JSON.parse(text) as StandInSnapshot;
    } catch {
      throw new StateFileError(`The Gitea stand-in's state file ${this.path} is not valid JSON; move it away to start with an empty stand-in`);
    }
    if (snapshot?.format !== 1) throw new StateFileError(`The Gitea stand-in's state file ${this.path} has an unknown format; move it away to start with an empty stand-in`);
    this.written = text;
    return snapshot;
  }

  /** Writes `snapshot` unless the file already holds exactly that. */
  save(snapshot: StandInSnapshot): void {
    const text = JSON.stringify(snapshot);
    if (text === this.written) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    // Tokens and OAuth2 client secrets are in it: readable by the owner only.
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
    this.written = text;
  }
}
