import { getItem, tableName, type TransactItem } from './store.js';

/** How long a webhook delivery id is remembered (DynamoDB deletes the marker after that, through TTL). */
export const DELIVERY_MEMORY_DAYS = 7;

const pk = (deliveryId: string) => `DELIVERY#${deliveryId}`;
const SK = 'DELIVERY';

/**
 * Webhook deliveries already applied, by `X-Gitea-Delivery`. The marker is written in the same transaction
 * as the delivery's effect, guarded by "not there yet": a replay finds it and changes nothing, and a
 * delivery whose effect could not be written leaves no marker, so Gitea's redelivery still works.
 */
export const deliveryRepository = {
  seen: async (deliveryId: string) => (await getItem(pk(deliveryId), SK)) !== undefined,
  markerPut: (deliveryId: string, event: string, at: string): TransactItem => ({
    Put: {
      TableName: tableName(),
      Item: {
        pk: pk(deliveryId),
        sk: SK,
        event,
        at,
        // The table's time-to-live attribute (epoch seconds).
        expiresAtEpoch: Math.floor(Date.parse(at) / 1000) + DELIVERY_MEMORY_DAYS * 86_400,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  }),
};
