import type { z } from 'zod';

/** A provider's JSON answer read through a schema; undefined when it is not JSON or not that shape. */
export function parseJson<T>(schema: z.ZodType<T>, body: string): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
