import { expect } from 'vitest';
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small HTTP client for the REST API: JSON in, envelope out. */
export function apiClient(baseUrl: string, token?: string) {
  async function call<T = any>(method: string, path: string, body?: unknown, init: { headers?: Record<string, string>; raw?: string | Buffer } = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}) };
    let payload: string | Buffer | undefined = init.raw;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    Object.assign(headers, init.headers);
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body: payload as BodyInit | undefined });
    const text = await response.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // leave as text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }
  return {
    call,
    get: <T = any>(path: string, init?: { headers?: Record<string, string> }) => call<T>('GET', path, undefined, init),
    post: <T = any>(path: string, body?: unknown, init?: { headers?: Record<string, string>; raw?: string | Buffer }) => call<T>('POST', path, body, init),
    patch: <T = any>(path: string, body?: unknown, init?: { headers?: Record<string, string>; raw?: string | Buffer }) => call<T>('PATCH', path, body, init),
    delete: <T = any>(path: string) => call<T>('DELETE', path),
  };
}
export type ApiClient = ReturnType<typeof apiClient>;

/** Unwraps a success envelope, failing loudly with the error envelope otherwise. */
export function ok<T = any>(response: ApiResponse, status = 200): T {
  if (response.status !== status) {
    throw new Error(`Expected ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return response.body.data as T;
}

/** Asserts the error envelope: the status, the code, a message (matching `message` when given). */
export function expectError(response: Pick<ApiResponse, 'status' | 'body'>, status: number, code: string, message?: RegExp) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body.success).toBe(false);
  expect(response.body.error.code).toBe(code);
  expect(response.body.error.message).toEqual(expect.any(String));
  if (message) expect(response.body.error.message).toMatch(message);
}
