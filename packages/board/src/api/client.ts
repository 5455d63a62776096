import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

/** Every call goes through this client, typed from the project's OpenAPI document (same origin: /api). */
export const api = createClient<paths>({ baseUrl: '' });

type Schemas = components['schemas'];
export type Task = Schemas['Task'];
/** A task as the board's list has it: without its long text (read with GET /api/tasks/{id}). */
export type BoardTask = Schemas['BoardTask'];
export type TaskState = Task['state'];
export type Agent = Schemas['BoardAgent'];
export type Project = Schemas['Project'];
export type Board = Schemas['Board'];
export type TaskEvent = Schemas['TaskEvent'];
export type Job = Schemas['Job'];
export type Me = Schemas['Me'];
export type AgentRegistered = Schemas['AgentRegistered'];
export type PersonToken = Schemas['PersonToken'];
export type PersonTokenCreated = Schemas['PersonTokenCreated'];

/** An API answer that was not a success, with the server's message in words. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

interface Envelope<T> {
  data: T;
}

/** Unwraps `{success, data}`; turns the error envelope (or a network failure) into an ApiError that says what went wrong. */
export async function call<T>(request: Promise<{ data?: Envelope<T>; error?: unknown; response: Response }>): Promise<T> {
  let result: Awaited<typeof request>;
  try {
    result = await request;
  } catch {
    throw new ApiError('Could not reach the aiworker server; check that it is running and try again.', 0);
  }
  const { data, error, response } = result;
  if (data) return data.data;
  const envelope = error as { error?: { code?: string; message?: string } } | undefined;
  const message = envelope?.error?.message ?? `The server answered ${response.status} ${response.statusText}`;
  if (response.status === 401) onSignedOut?.();
  throw new ApiError(message, response.status, envelope?.error?.code);
}

let onSignedOut: (() => void) | undefined;
/** Called when the API says the session is gone (401), so the app shows the sign-in page. */
export const whenSignedOut = (fn: () => void) => {
  onSignedOut = fn;
};

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
