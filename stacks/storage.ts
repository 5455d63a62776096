import { table, tableAttributes } from '../infra/table.js';

/**
 * The single DynamoDB table from infra/table.ts. SST Dynamo options (sst.dev/docs/component/aws/dynamo):
 * `fields` lists only key attributes, `primaryIndex: { hashKey, rangeKey }`, `globalIndexes` keyed by index
 * name (projection defaults to all attributes, as the local table uses), and `ttl`, the attribute DynamoDB
 * expires items by (sessions, pending sign-ins). Point-in-time recovery is on in every stage (35 days of
 * restores; it costs little at this size).
 */
export function createTable(): sst.aws.Dynamo {
  return new sst.aws.Dynamo('Table', {
    fields: Object.fromEntries(tableAttributes.map((name) => [name, 'string' as const])),
    primaryIndex: { hashKey: table.partitionKey, rangeKey: table.sortKey },
    globalIndexes: Object.fromEntries(
      table.indexes.map((index) => [index.name, { hashKey: index.partitionKey, rangeKey: index.sortKey, projection: index.include ?? ('keys-only' as const) }]),
    ),
    ttl: table.timeToLiveAttribute,
    transform: { table: { pointInTimeRecovery: { enabled: true } } },
  });
}
