import { defineConnector, deliveryLimits } from '../definition.js';
import { EmailConnector } from './email.connector.js';
import { EmailIntegration } from './schema.js';

export const emailConnector = defineConnector({
  name: 'email',
  schema: EmailIntegration,
  environment: { 'smtp.host': 'SMTP_HOST', 'smtp.user': 'SMTP_USER', 'smtp.password': 'SMTP_PASSWORD' },
  create(block, context) {
    const { retryCount, timeoutMs } = deliveryLimits(block, context);
    const options = { allowPrivateNetworks: context.allowPrivateNetworks };
    return [new EmailConnector(block, options, retryCount, timeoutMs)];
  },
});
