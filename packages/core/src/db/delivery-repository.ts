import { getItem, tableName, type TransactItem } from './store.js';

/** How long a webhook delivery is remembered (DynamoDB deletes the marker after that, through TTL). */
export const DELIVERY_MEMORY_DAYS = 7;

const byId = (deliveryId: string) => `DELIVERY#${deliveryId}`;
/** What the delivery says (see gitea-webhooks.ts contentKey): Gitea's "Replay" sends it again under a new id. */
const byContent = (contentKey: string) => `DELIVERED#${contentKey}`;
const SK = 'DELIVERY';

function marker(pk: string, event: string, at: string): TransactItem {
  return {
    Put: {
      TableName: tableName(),
      Item: {
        pk,
        sk: SK,
        event,
        at,
        // The table's time-to-live attribute (epoch seconds).
        expiresAtEpoch: Math.floor(Date.parse(at) / 1000) + DELIVERY_MEMORY_DAYS * 86_400,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/**
 * Webhook deliveries already applied: by Gitea's delivery id, and by what the delivery says (a replay made
 * with Gitea's "Replay" button has a new delivery id but the same content). Both markers are written in the
 * same transaction as the delivery's effect, guarded by "not there yet": a replay finds one and changes
 * nothing, and a delivery whose effect could not be written leaves none, so Gitea's redelivery still works.
 */
export const deliveryRepository = {
  seen: async (deliveryId: string, contentKey: string) => {
    const [id, content] = await Promise.all([getItem(byId(deliveryId), SK), getItem(byContent(contentKey), SK)]);
    return id !== undefined || content !== undefined;
  },
  markerPuts: (deliveryId: string, contentKey: string, event: string, at: string): TransactItem[] => [
    marker(byId(deliveryId), event, at),
    marker(byContent(contentKey), event, at),
  ],
};
