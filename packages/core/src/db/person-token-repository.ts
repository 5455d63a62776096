import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { Page } from '../schemas/common.js';
import type { PersonTokenListQuery, PersonTokenRecord } from '../schemas/person-token.js';
import { documentClient } from './client.js';
import { indexEntry, stripKeys, timeKey } from './keys.js';
import { queryPage } from './page.js';
import { getItem, isConditionFailed, putVersioned, tableName, type Item } from './store.js';

const pk = (id: string) => `PERSON_TOKEN#${id}`;
const SK = 'PERSON_TOKEN';
/** A person's tokens, oldest first: the `owner` index, written once when the token is created. */
const ownerPk = (owner: string) => `PERSON_TOKENS#${owner}`;

const personTokenItem = (token: PersonTokenRecord): Item => ({
  ...token,
  pk: pk(token.id),
  sk: SK,
  ...indexEntry('owner', ownerPk(token.owner), timeKey(token.createdAt, token.id)),
});

export const personTokenRepository = {
  /** One GetItem: the token names its id, as agent tokens do. */
  get: (id: string) => getItem<PersonTokenRecord>(pk(id), SK),
  create: (token: PersonTokenRecord) => putVersioned(personTokenItem(token), undefined),
  listOf: (owner: string, query: PersonTokenListQuery): Promise<Page<PersonTokenRecord>> =>
    queryPage<PersonTokenRecord>({ tableName: tableName(), index: 'owner', partitionValue: ownerPk(owner), limit: query.limit, cursor: query.cursor }),
  /** Deletes the token only when it is the owner's; undefined when they have no such token. */
  async deleteOf(owner: string, id: string): Promise<PersonTokenRecord | undefined> {
    try {
      const result = await documentClient().send(
        new DeleteCommand({
          TableName: tableName(),
          Key: { pk: pk(id), sk: SK },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return result.Attributes ? stripKeys<PersonTokenRecord>(result.Attributes) : undefined;
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      throw error;
    }
  },
};
