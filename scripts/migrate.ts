/**
 * Moves a deployed table (or any table) from the first key layout to today's: adds the indexes of
 * infra/table.ts it lacks, waiting for each to be ACTIVE, then rewrites the items of the old layout with
 * the new keys, then (once per table) moves every task's long text into its `TEXT` item. Additive and
 * idempotent (run it again any time); the system may keep running meanwhile.
 *
 *   AWS_REGION=eu-west-1 AIWORKER_TABLE=<table name> npx tsx scripts/migrate.ts
 *   (AWS_ENDPOINT_URL_DYNAMODB=http://localhost:8000 for DynamoDB Local or LocalStack)
 */
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureIndexes } from '../packages/local/src/provision.js';

const tableName = process.env.AIWORKER_TABLE;
if (!tableName) {
  console.error('Set AIWORKER_TABLE to the table to migrate (and AWS_REGION / credentials as for the AWS CLI).');
  process.exit(2);
}
const client = new DynamoDBClient({});
const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
const changed = await ensureIndexes(client, tableName, (Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName!));
console.log(changed ? `table ${tableName}: migrated to the current layout` : `table ${tableName}: already in the current layout`);
client.destroy();
