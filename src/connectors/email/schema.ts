import { z } from 'zod';
import { deliveryCommon, eventName, flag, int, secret } from '../../core/schema-primitives.js';

export const EmailIntegration = z.strictObject({
  ...deliveryCommon,
  smtp: z.strictObject({
    host: z.string().min(1),
    port: int(1, 65535).default(587),
    secure: flag.default(false),
    user: z.string().min(1).optional(),
    password: secret.optional(),
  }),
  from: z.string().min(3),
  recipients: z.partialRecord(eventName, z.array(z.string().email()).min(1)).default({}),
});

export type EmailIntegrationConfig = z.infer<typeof EmailIntegration>;
