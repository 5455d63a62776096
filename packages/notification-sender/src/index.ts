export { sendNotification, type Notification, type SendOutcome } from './send.js';
export { isInternalAddress } from './public-address.js';
