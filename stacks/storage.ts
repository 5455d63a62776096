import { table, tableAttributes } from '../infra/table.js';

/**
 * The single DynamoDB table from infra/table.ts. SST Dynamo options (sst.dev/docs/component/aws/dynamo):
 * `fields` lists only key attributes, `primaryIndex: { hashKey, rangeKey }`, and `globalIndexes`
 * keyed by index name (projection defaults to all attributes, as the local table uses).
 */
export function createTable(): SstDynamo {
  return new sst.aws.Dynamo('Table', {
    fields: Object.fromEntries(tableAttributes.map((name) => [name, 'string' as const])),
    primaryIndex: { hashKey: table.partitionKey, rangeKey: table.sortKey },
    globalIndexes: Object.fromEntries(
      table.indexes.map((index) => [index.name, { hashKey: index.partitionKey, rangeKey: index.sortKey, projection: index.include ?? ('keys-only' as const) }]),
    ),
  });
}
