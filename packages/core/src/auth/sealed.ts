import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * A value only this server can read or make: AES-256-GCM (authenticated encryption, node:crypto) under a
 * key derived with HKDF from a server secret and a purpose, so the key of one use opens nothing else.
 * Written by hand because it is these ten lines of node:crypto; a token library (jose's JWE) would do it too.
 */
const keyOf = (secret: string, purpose: string) => Buffer.from(hkdfSync('sha256', secret, 'aiworker', purpose, 32));

export function seal(value: unknown, secret: string, purpose: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(secret, purpose), iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return [iv, data, cipher.getAuthTag()].map((part) => part.toString('base64url')).join('.');
}

/** The value, or undefined if the text was not sealed by `seal` with this secret and purpose (or was altered). */
export function unseal<T>(text: string, secret: string, purpose: string): T | undefined {
  const parts = text.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const [iv, data, tag] = parts.map((part) => Buffer.from(part, 'base64url'));
    const decipher = createDecipheriv('aes-256-gcm', keyOf(secret, purpose), iv);
    decipher.setAuthTag(tag);
    return JSON.parse(Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8')) as T;
  } catch {
    return undefined;
  }
}
