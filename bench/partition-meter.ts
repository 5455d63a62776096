/**
 * The partition meter: SDK middleware on core's DynamoDB client that charges every request to the
 * partition-key value it lands on — on the table and on each index it touches — per one-second window of
 * a clock the bench controls (simulated seconds), and throttles like DynamoDB past 1,000 WCU/s or
 * 3,000 RCU/s on one partition-key value (it throws `ProvisionedThroughputExceededException`, which the
 * SDK's retry strategy treats as throttling, exactly as for the real service).
 *
 * Accounting (DynamoDB's on-demand rules, https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html):
 *   writes  ceil(size / 1 KB) WCU on the table key, size = the larger of the item before and after;
 *           doubled inside TransactWriteItems (ConditionCheck included); a failed condition still costs
 *           the write. Each index: an entry put where the item enters it, deleted where it leaves it,
 *           both when its index key moves (keys-only entries: 1 WCU each), 1 WCU when only an INCLUDEd
 *           attribute changes, nothing otherwise.
 *   reads   ceil(size / 4 KB) RCU, half when eventually consistent, doubled in TransactGetItems;
 *           GetItem / BatchGetItem per item to its key, Query summed over what it returns to the key
 *           (table or index) it targets.
 * Index keys come from the item itself (infra/table.ts's index definitions): after every write the meter
 * reads the item's new image with a separate, unmetered client and keeps its size and index keys, so the
 * next write knows the image before. The throttle check runs before the request, on the keys the meter
 * can know then (the table key, the item's current index keys, and a Put's new ones); an index key that an
 * UpdateItem moves to is charged after the fact and counted as over the limit if it went past it.
 *
 * It sits in the `finalizeRequest` step below the SDK's retry middleware (each attempt is charged and
 * can be throttled) and reads the JSON wire body, so the document client and the raw client are both seen.
 */
import { DynamoDBClient, GetItemCommand, ProvisionedThroughputExceededException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AsyncLocalStorage } from 'node:async_hooks';
import { table, type TableIndex } from '../infra/table.js';

export const LIMITS = { wcu: 1000, rcu: 3000 } as const;

type Item = Record<string, AttributeValue>;
type Wire = Record<string, any>;
interface Image {
  bytes: number;
  /** index name → [pk, sk, included values joined] */
  entries: Record<string, [string, string, string]>;
}
interface Usage {
  wcu: number;
  rcu: number;
}

/** DynamoDB's item size: attribute names plus values (UTF-8 strings, numbers ~ digits / 2 + 1, 3 bytes per list or map plus 1 per element). */
export function attributeSize(value: AttributeValue | Record<string, any>): number {
  const v = value as Record<string, any>;
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return Math.ceil(String(v.N).replace(/^-/, '').length / 2) + 1;
  if (v.B !== undefined) return typeof v.B === 'string' ? Math.floor((v.B.length * 3) / 4) : v.B.length;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS) return v.SS.reduce((sum: number, s: string) => sum + Buffer.byteLength(s), 0);
  if (v.NS) return v.NS.reduce((sum: number, n: string) => sum + Math.ceil(n.length / 2) + 1, 0);
  if (v.L) return 3 + v.L.reduce((sum: number, element: AttributeValue) => sum + 1 + attributeSize(element), 0);
  if (v.M) return 3 + itemSize(v.M);
  return 0;
}
export const itemSize = (item: Item | undefined): number =>
  item ? Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + attributeSize(value), 0) : 0;

const str = (value: AttributeValue | undefined) => (value ? (value.S ?? value.N ?? '') : undefined);
const keyOf = (key: Item) => `${str(key[table.partitionKey])}\u0000${str(key[table.sortKey])}`;

function imageOf(item: Item | undefined): Image | undefined {
  if (!item) return undefined;
  const entries: Image['entries'] = {};
  for (const index of table.indexes) {
    const pk = str(item[index.partitionKey]);
    const sk = str(item[index.sortKey]);
    if (pk === undefined || sk === undefined) continue;
    entries[index.name] = [pk, sk, (index.include ?? []).map((name) => JSON.stringify(item[name] ?? null)).join('|')];
  }
  return { bytes: itemSize(item), entries };
}

const wcuOf = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
const rcuOf = (bytes: number, consistent: boolean) => Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);

/** The partition-key value an expression's `<name> = :value` binds, for the given key attribute. */
function keyConditionValue(request: Wire, keyAttribute: string): string | undefined {
  const names: Record<string, string> = request.ExpressionAttributeNames ?? {};
  for (const match of String(request.KeyConditionExpression ?? '').matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    const name = match[1].startsWith('#') ? names[match[1]] : match[1];
    if (name === keyAttribute) return str(request.ExpressionAttributeValues?.[match[2]]);
  }
  return undefined;
}

export interface Throttle {
  second: number;
  target: string;
  kind: 'wcu' | 'rcu';
  thrown: boolean;
}

export class PartitionMeter {
  /** `second → "<where>|<pk>" → usage`; where = table or index name. */
  private readonly windows = new Map<number, Map<string, Usage>>();
  private readonly images = new Map<string, Image | undefined>();
  readonly throttles: Throttle[] = [];
  /** Units by operation: `meter.operation.run('heartbeat', …)` charges what runs inside to 'heartbeat'. */
  readonly operation = new AsyncLocalStorage<string>();
  readonly byOperation = new Map<string, Usage>();
  private readonly readItem: (key: Item) => Promise<Item | undefined>;
  private on = false;
  /** Counting on/off: set-up runs with it off (requests pass untouched); turning it on forgets every image. */
  get charging(): boolean {
    return this.on;
  }
  set charging(value: boolean) {
    if (value && !this.on) this.images.clear();
    this.on = value;
  }
  requests = 0;

  constructor(
    private readonly tableName: string,
    /** The current simulated second. */
    public clock: () => number,
    /** The endpoint the meter reads item images from, unmetered; or a reader of its own (unit tests). */
    reader: string | ((key: Item) => Promise<Item | undefined>),
  ) {
    if (typeof reader === 'function') this.readItem = reader;
    else {
      const client = new DynamoDBClient({ endpoint: reader, maxAttempts: 8 });
      this.readItem = async (key) => (await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
    }
  }

  install(client: DynamoDBDocumentClient): () => void {
    const name = 'partitionMeter';
    client.middlewareStack.addRelativeTo(
      (next: any) => async (args: any) => {
        const target = String(args.request?.headers?.['x-amz-target'] ?? '').split('.')[1];
        const raw = args.request?.body;
        const body: Wire = typeof raw === 'string' ? JSON.parse(raw) : raw instanceof Uint8Array ? JSON.parse(Buffer.from(raw).toString('utf8')) : {};
        return this.handle(target, body, () => next(args));
      },
      { relation: 'after', toMiddleware: 'retryMiddleware', name, override: true },
    );
    return () => void client.middlewareStack.remove(name);
  }

  /** WCU and RCU per second and key, summed; `peaks` gives each key's worst second. */
  usage(): Map<number, Map<string, Usage>> {
    return this.windows;
  }

  peaks(): Array<{ where: string; key: string; wcu: number; rcu: number }> {
    const peak = new Map<string, Usage>();
    for (const window of this.windows.values())
      for (const [target, usage] of window) {
        const current = peak.get(target) ?? { wcu: 0, rcu: 0 };
        peak.set(target, { wcu: Math.max(current.wcu, usage.wcu), rcu: Math.max(current.rcu, usage.rcu) });
      }
    return [...peak].map(([target, usage]) => {
      const [where, key] = target.split('|');
      return { where, key, ...usage };
    });
  }

  totals(): Usage {
    const total = { wcu: 0, rcu: 0 };
    for (const window of this.windows.values()) for (const usage of window.values()) (total.wcu += usage.wcu), (total.rcu += usage.rcu);
    return total;
  }

  reset(): void {
    this.windows.clear();
    this.throttles.length = 0;
    this.requests = 0;
    this.byOperation.clear();
  }

  private used(where: string, pk: string): Usage {
    const second = this.clock();
    let window = this.windows.get(second);
    if (!window) this.windows.set(second, (window = new Map()));
    const target = `${where}|${pk}`;
    let usage = window.get(target);
    if (!usage) window.set(target, (usage = { wcu: 0, rcu: 0 }));
    return usage;
  }

  private charge(where: string, pk: string, kind: 'wcu' | 'rcu', units: number): void {
    if (!this.charging) return;
    const usage = this.used(where, pk);
    const name = this.operation.getStore() ?? 'other';
    const byOperation = this.byOperation.get(name) ?? { wcu: 0, rcu: 0 };
    byOperation[kind] += units;
    this.byOperation.set(name, byOperation);
    const before = usage[kind];
    usage[kind] += units;
    if (before <= LIMITS[kind] && usage[kind] > LIMITS[kind]) this.throttles.push({ second: this.clock(), target: `${where}|${pk}`, kind, thrown: false });
  }

  /** Throws as DynamoDB does when one of the keys is already at its limit this second. */
  private check(targets: Array<[string, string, 'wcu' | 'rcu']>): void {
    if (!this.charging) return;
    for (const [where, pk, kind] of targets) {
      if (this.used(where, pk)[kind] >= LIMITS[kind]) {
        this.throttles.push({ second: this.clock(), target: `${where}|${pk}`, kind, thrown: true });
        throw new ProvisionedThroughputExceededException({
          message: `The level of configured provisioned throughput for the table was exceeded (partition meter: ${where} ${pk}, ${kind})`,
          $metadata: { httpStatusCode: 400 },
        });
      }
    }
  }

  private async imageBefore(key: Item): Promise<Image | undefined> {
    const id = keyOf(key);
    if (this.images.has(id)) return this.images.get(id);
    const image = imageOf(await this.readItem(key));
    this.images.set(id, image);
    return image;
  }

  private async imageAfter(key: Item): Promise<Image | undefined> {
    const image = imageOf(await this.readItem(key));
    this.images.set(keyOf(key), image);
    return image;
  }

  private writeTargets(key: Item, before: Image | undefined, put?: Item): Array<[string, string, 'wcu']> {
    const targets: Array<[string, string, 'wcu']> = [['table', str(key[table.partitionKey])!, 'wcu']];
    for (const entry of Object.entries(before?.entries ?? {})) targets.push([entry[0], entry[1][0], 'wcu']);
    for (const entry of Object.entries(imageOf(put)?.entries ?? {})) targets.push([entry[0], entry[1][0], 'wcu']);
    return targets;
  }

  private chargeWrite(key: Item, before: Image | undefined, after: Image | undefined, factor: number): void {
    this.charge('table', str(key[table.partitionKey])!, 'wcu', wcuOf(Math.max(before?.bytes ?? 0, after?.bytes ?? 0)) * factor);
    for (const index of table.indexes as TableIndex[]) {
      const old = before?.entries[index.name];
      const now = after?.entries[index.name];
      if (old && now && old[0] === now[0] && old[1] === now[1]) {
        if (old[2] !== now[2]) this.charge(index.name, now[0], 'wcu', 1);
        continue;
      }
      if (old) this.charge(index.name, old[0], 'wcu', 1);
      if (now) this.charge(index.name, now[0], 'wcu', 1);
    }
  }

  private chargeFailedWrite(key: Item, before: Image | undefined, factor: number): void {
    this.charge('table', str(key[table.partitionKey])!, 'wcu', wcuOf(before?.bytes ?? 0) * factor);
  }

  /** Charges one request (`target`: the operation, `body`: its wire JSON) around `send`, which sends it. */
  async handle(target: string, body: Wire, send: () => Promise<any>): Promise<any> {
    if (!this.on || (body.TableName && body.TableName !== this.tableName)) return send();
    this.requests++;
    switch (target) {
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem': {
        const key: Item = target === 'PutItem' ? { [table.partitionKey]: body.Item[table.partitionKey], [table.sortKey]: body.Item[table.sortKey] } : body.Key;
        const before = await this.imageBefore(key);
        this.check(this.writeTargets(key, before, body.Item));
        let result;
        try {
          result = await send();
        } catch (error) {
          if ((error as Error).name === 'ConditionalCheckFailedException') this.chargeFailedWrite(key, before, 1);
          throw error;
        }
        this.chargeWrite(key, before, target === 'DeleteItem' ? (this.images.set(keyOf(key), undefined), undefined) : await this.imageAfter(key), 1);
        return result;
      }
      case 'TransactWriteItems':
      case 'BatchWriteItem': {
        const transact = target === 'TransactWriteItems';
        const writes: Array<{ key: Item; put?: Item; check?: boolean; del?: boolean }> = transact
          ? body.TransactItems.map((entry: Wire) => {
              if (entry.Put) return { key: { [table.partitionKey]: entry.Put.Item[table.partitionKey], [table.sortKey]: entry.Put.Item[table.sortKey] }, put: entry.Put.Item };
              if (entry.Update) return { key: entry.Update.Key };
              if (entry.Delete) return { key: entry.Delete.Key, del: true };
              return { key: entry.ConditionCheck.Key, check: true };
            })
          : (body.RequestItems[this.tableName] ?? []).map((entry: Wire) =>
              entry.PutRequest
                ? { key: { [table.partitionKey]: entry.PutRequest.Item[table.partitionKey], [table.sortKey]: entry.PutRequest.Item[table.sortKey] }, put: entry.PutRequest.Item }
                : { key: entry.DeleteRequest.Key, del: true },
            );
        const befores = await Promise.all(writes.map((write) => this.imageBefore(write.key)));
        this.check(writes.flatMap((write, i) => this.writeTargets(write.key, befores[i], write.put)));
        const factor = transact ? 2 : 1;
        let result;
        try {
          result = await send();
        } catch (error) {
          if ((error as Error).name === 'TransactionCanceledException') writes.forEach((write, i) => {
            this.chargeFailedWrite(write.key, befores[i], factor);
          });
          throw error;
        }
        const unprocessed = new Set(((result.UnprocessedItems?.[this.tableName] ?? []) as Wire[]).map((entry) => keyOf(entry.DeleteRequest?.Key ?? entry.PutRequest?.Item)));
        await Promise.all(
          writes.map(async (write, i) => {
            if (unprocessed.has(keyOf(write.key))) return;
            if (write.check) return this.chargeFailedWrite(write.key, befores[i], factor);
            const after = write.del ? (this.images.set(keyOf(write.key), undefined), undefined) : await this.imageAfter(write.key);
            this.chargeWrite(write.key, befores[i], after, factor);
          }),
        );
        return result;
      }
      case 'GetItem': {
        const pk = str(body.Key[table.partitionKey])!;
        this.check([['table', pk, 'rcu']]);
        const result = await send();
        this.charge('table', pk, 'rcu', rcuOf(itemSize(result.output?.Item), !!body.ConsistentRead));
        return result;
      }
      case 'BatchGetItem':
      case 'TransactGetItems': {
        const transact = target === 'TransactGetItems';
        const keys: Item[] = transact ? body.TransactItems.map((entry: Wire) => entry.Get.Key) : (body.RequestItems[this.tableName]?.Keys ?? []);
        const consistent = transact || !!body.RequestItems?.[this.tableName]?.ConsistentRead;
        this.check(keys.map((key) => ['table', str(key[table.partitionKey])!, 'rcu'] as [string, string, 'rcu']));
        const result = await send();
        const items: Item[] = transact ? (result.output?.Responses ?? []).map((entry: Wire) => entry.Item).filter(Boolean) : (result.output?.Responses?.[this.tableName] ?? []);
        const found = new Map(items.map((item) => [keyOf(item), item]));
        const unprocessed = new Set(((result.output?.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Item[]).map(keyOf));
        for (const key of keys) {
          if (unprocessed.has(keyOf(key))) continue;
          this.charge('table', str(key[table.partitionKey])!, 'rcu', rcuOf(itemSize(found.get(keyOf(key))), consistent) * (transact ? 2 : 1));
        }
        return result;
      }
      case 'Query': {
        const index = table.indexes.find((candidate) => candidate.name === body.IndexName);
        const where = index ? index.name : 'table';
        const pk = keyConditionValue(body, index ? index.partitionKey : table.partitionKey) ?? '?';
        this.check([[where, pk, 'rcu']]);
        const result = await send();
        const bytes = ((result.output?.Items ?? []) as Item[]).reduce((sum, item) => sum + itemSize(item), 0);
        this.charge(where, pk, 'rcu', rcuOf(bytes, !!body.ConsistentRead));
        return result;
      }
      default:
        return send();
    }
  }
}
