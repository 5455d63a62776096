import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { table } from '@aiworker/infra/table';
import { documentClient } from './client.js';
import { tableName } from './store.js';
import { clockMs } from '../clock.js';

/**
 * Board sessions. Keyed by a hash of the session cookie's secret, so the table never holds a value that
 * signs anyone in. Each item carries the table's TTL attribute, so DynamoDB deletes it after it expires; reads check the expiry too (TTL deletion is lazy).
 */
export interface SessionRecord {
  /** `admin` (signed in with the admin token) or `gitea` (signed in with Gitea). */
  subject: 'admin' | 'gitea';
  login: string;
  admin: boolean;
  createdAt: string;
  expiresAt: string;
  /** Admin sessions: which admin token made them (auth/tokens.ts adminTokenMark). */
  adminTokenMark?: string;
}

const ttlAttribute = table.timeToLiveAttribute;
const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);
const live = <T extends { expiresAt: string }>(item: T | undefined): T | undefined =>
  item && Date.parse(item.expiresAt) > clockMs() ? item : undefined;

async function put(pk: string, sk: string, value: { expiresAt: string }) {
  await documentClient().send(
    new PutCommand({
      TableName: tableName(),
      Item: { pk, sk, ...value, [ttlAttribute]: epochSeconds(value.expiresAt) },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, [ttlAttribute]: _ttl, ...rest } = item;
  return rest as T;
}

export const sessionRepository = {
  put: (hash: string, session: SessionRecord) => put(`SESSION#${hash}`, 'SESSION', session),
  get: async (hash: string): Promise<SessionRecord | undefined> =>
    live(strip<SessionRecord>((await documentClient().send(new GetCommand({ TableName: tableName(), Key: { pk: `SESSION#${hash}`, sk: 'SESSION' } }))).Item)),
  delete: async (hash: string) => {
    await documentClient().send(new DeleteCommand({ TableName: tableName(), Key: { pk: `SESSION#${hash}`, sk: 'SESSION' } }));
  },
};
