import type { SQSClient } from '@aws-sdk/client-sqs';
import { config } from '../config.js';

/**
 * The one module of core that speaks SQS (services reach the queue through it, as they reach DynamoDB
 * through db/; .dependency-cruiser.cjs holds them to it). Queues are named by URL.
 *
 * The SQS client is loaded on first use: most requests send no message, and with SST's code splitting
 * (stacks/lambda.ts) a function whose request sends none never loads it (25 KiB, about 3 ms of a cold start).
 */
type Sqs = typeof import('@aws-sdk/client-sqs');
let loading: Promise<Sqs> | undefined;
const sqsSdk = (): Promise<Sqs> => (loading ??= import('@aws-sdk/client-sqs'));

let cached: { endpoint: string | undefined; client: SQSClient } | undefined;

/**
 * The SQS client, honouring AWS_ENDPOINT_URL_SQS / AWS_ENDPOINT_URL (fauxqs, LocalStack or AWS), and the
 * SDK's commands. The endpoint is passed explicitly so the SDK does not try to derive one from a local queue URL.
 */
async function sqs(): Promise<{ client: SQSClient; sdk: Sqs }> {
  const sdk = await sqsSdk();
  const endpoint = config().endpoints.sqs;
  if (!cached || cached.endpoint !== endpoint) {
    cached?.client.destroy();
    cached = { endpoint, client: new sdk.SQSClient(endpoint ? { endpoint } : {}) };
  }
  return { client: cached.client, sdk };
}

/**
 * Starts loading the SQS client (and makes it) without waiting: a request that will send a message calls this
 * before its DynamoDB reads, so a cold start loads the client while those reads are on the wire instead of
 * after them. A load that fails is reported by the send that needs it.
 */
export function prepareSqs(): void {
  sqs().catch(() => undefined);
}

export interface QueuedMessage {
  body: string;
  receiptHandle: string;
}

export async function sendMessage(queueUrl: string, body: string): Promise<void> {
  const { client, sdk } = await sqs();
  await client.send(new sdk.SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
}

/** Keeps a received message invisible for `seconds` more (0: visible again at once). */
export async function changeVisibility(queueUrl: string, receiptHandle: string, seconds: number): Promise<void> {
  const { client, sdk } = await sqs();
  await client.send(new sdk.ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
}

/** Up to ten messages, held invisible for `visibilitySeconds`; none when the queue is empty (no long poll). */
export async function receiveMessages(queueUrl: string, visibilitySeconds: number): Promise<QueuedMessage[]> {
  const { client, sdk } = await sqs();
  const received = await client.send(new sdk.ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: visibilitySeconds }));
  return (received.Messages ?? []).map((message) => ({ body: message.Body ?? '', receiptHandle: message.ReceiptHandle! }));
}

export async function deleteMessage(queueUrl: string, receiptHandle: string): Promise<void> {
  const { client, sdk } = await sqs();
  await client.send(new sdk.DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle }));
}

async function queueArn(queueUrl: string): Promise<string> {
  const { client, sdk } = await sqs();
  const { Attributes } = await client.send(new sdk.GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`SQS did not tell the ARN of ${queueUrl}`);
  return arn;
}

/**
 * Asks SQS to move every message of a dead-letter queue to `destinationUrl` (StartMessageMoveTask, which
 * runs in SQS, asynchronously). False when this SQS has no such action: fauxqs (the local runtime's and
 * the tests' SQS) answers `InvalidAction` ("Unknown action: StartMessageMoveTask"), an emulator that knows
 * the name but not the feature `UnsupportedOperation`; the caller then moves the messages itself.
 */
export async function startMessageMove(sourceUrl: string, destinationUrl: string): Promise<boolean> {
  try {
    const [SourceArn, DestinationArn] = await Promise.all([queueArn(sourceUrl), queueArn(destinationUrl)]);
    const { client, sdk } = await sqs();
    await client.send(new sdk.StartMessageMoveTaskCommand({ SourceArn, DestinationArn }));
    return true;
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'InvalidAction' || name === 'UnsupportedOperation') return false;
    throw error;
  }
}
