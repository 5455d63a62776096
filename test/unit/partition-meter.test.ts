/**
 * The bench's partition meter (bench/partition-meter.ts): its accounting of one request at a time. The
 * requests are given as their wire JSON and "sent" by a callback that returns what DynamoDB would; the
 * item images the meter reads are the items those sends wrote.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { PartitionMeter } from '../../bench/partition-meter.js';

type Item = Record<string, AttributeValue>;
const S = (value: string) => ({ S: value });

function setup() {
  const items = new Map<string, Item>();
  const id = (key: Item) => `${key.pk.S}|${key.sk.S}`;
  let second = 0;
  const meter = new PartitionMeter('t', () => second, async (key) => items.get(id(key)));
  meter.charging = true;
  const put = (item: Item, target = 'PutItem') =>
    meter.handle(target, { TableName: 't', Item: item }, async () => {
      items.set(id(item), item);
      return { output: {} };
    });
  const usage = (where: string, pk: string) => meter.usage().get(second)?.get(`${where}|${pk}`) ?? { wcu: 0, rcu: 0 };
  return { items, meter, put, usage, at: (s: number) => (second = s) };
}

const agent = (status: string, padding = 0): Item => ({
  pk: S('AGENT#a'),
  sk: S('AGENT'),
  allPk: S('AGENTS'),
  allSk: S('2026#a'),
  statusPk: S(`AGENT_STATUS#${status}#3`),
  statusSk: S('2026-11-26T00:00:00Z#a'),
  notes: S('x'.repeat(padding)),
});

describe('partition meter', () => {
  it('charges a write by 1 KB units to the table key and one unit to each index the item enters', async () => {
    const { put, usage } = setup();
    await put(agent('idle', 1500));
    expect(usage('table', 'AGENT#a').wcu).toBe(2);
    expect(usage('all', 'AGENTS').wcu).toBe(1);
    expect(usage('status', 'AGENT_STATUS#idle#3').wcu).toBe(1);
  });

  it('charges an index only where its key moves: delete on the old value, put on the new', async () => {
    const { put, usage, at } = setup();
    await put(agent('idle'));
    at(1);
    await put(agent('busy'));
    expect(usage('table', 'AGENT#a').wcu).toBe(1);
    expect(usage('all', 'AGENTS').wcu).toBe(0);
    expect(usage('status', 'AGENT_STATUS#idle#3').wcu).toBe(1);
    expect(usage('status', 'AGENT_STATUS#busy#3').wcu).toBe(1);
  });

  it('doubles transactions, halves eventually consistent reads and sums a Query by 4 KB', async () => {
    const { meter, items, usage } = setup();
    await meter.handle('TransactWriteItems', { TransactItems: [{ Put: { TableName: 't', Item: agent('idle') } }] }, async () => {
      items.set('AGENT#a|AGENT', agent('idle'));
      return { output: {} };
    });
    expect(usage('table', 'AGENT#a').wcu).toBe(2);
    await meter.handle('GetItem', { TableName: 't', Key: { pk: S('AGENT#a'), sk: S('AGENT') } }, async () => ({ output: { Item: agent('idle') } }));
    expect(usage('table', 'AGENT#a').rcu).toBe(0.5);
    const big = Array.from({ length: 3 }, () => ({ notes: S('y'.repeat(3000)) }));
    await meter.handle(
      'Query',
      { TableName: 't', IndexName: 'status', KeyConditionExpression: '#pk = :pk AND #sk < :cut', ExpressionAttributeNames: { '#pk': 'statusPk', '#sk': 'statusSk' }, ExpressionAttributeValues: { ':pk': S('AGENT_STATUS#idle#3'), ':cut': S('z') }, ConsistentRead: false },
      async () => ({ output: { Items: big } }),
    );
    expect(usage('status', 'AGENT_STATUS#idle#3').rcu).toBe(1.5);
  });

  it('throttles a partition-key value at 1,000 WCU in one second, as DynamoDB does, and not the next second', async () => {
    const { put, meter, at } = setup();
    for (let i = 0; i < 1000; i++) await put(agent('idle'));
    await expect(put(agent('idle'))).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    expect(meter.throttles).toMatchObject([{ target: 'table|AGENT#a', kind: 'wcu', thrown: true }]);
    at(1);
    await expect(put(agent('idle'))).resolves.toBeDefined();
  });
});
