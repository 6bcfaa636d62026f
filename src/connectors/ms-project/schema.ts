import { z } from 'zod';
import { deliveryCommon, httpUrl, secret } from '../../core/schema-primitives.js';

export const MsProjectIntegration = z.strictObject({
  ...deliveryCommon,
  api_url: httpUrl.default('https://graph.microsoft.com/v1.0'),
  tenant_id: z.string().min(1),
  client_id: z.string().min(1),
  client_secret: secret.optional(),
  plan_id: z.string().min(1),
  bucket_id: z.string().min(1).optional(),
});

export type MsProjectIntegrationConfig = z.infer<typeof MsProjectIntegration>;
