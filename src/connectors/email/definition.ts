import { defineConnector, deliveryLimits } from '../definition.js';
import { EmailIntegration } from './schema.js';

export const emailConnector = defineConnector({
  name: 'email',
  schema: EmailIntegration,
  environment: { 'smtp.host': 'SMTP_HOST', 'smtp.user': 'SMTP_USER', 'smtp.password': 'SMTP_PASSWORD' },
  async create(block, context) {
    const { retryCount, timeoutMs } = deliveryLimits(block, context);
    // Imported here: it brings nodemailer, which a config without email should not load.
    const { EmailConnector } = await import('./email.connector.js');
    const options = { allowPrivateNetworks: context.allowPrivateNetworks };
    return [new EmailConnector(block, options, retryCount, timeoutMs)];
  },
});
