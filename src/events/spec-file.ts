import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { UserFacingError } from '../core/errors.js';

/**
 * The fields `threadline notify --spec` reads from a spec file. Specs keep them at the top
 * level or under `metadata:`; anything else in the file is ignored.
 */
const SpecFields = z.looseObject({
  id: z.string().min(1),
  title: z.string().optional(),
  status: z.string().optional(),
  severity: z.string().optional(),
});

export interface SpecSummary {
  id: string;
  title?: string;
  file: string;
  status?: string;
  severity?: string;
}

export function readSpecFile(file: string): SpecSummary {
  let document: unknown;
  try {
    document = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UserFacingError(`cannot read spec file ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  const root = (document ?? {}) as Record<string, unknown>;
  const candidates = [root, root.metadata, root.spec].filter((c) => c && typeof c === 'object');
  for (const candidate of candidates) {
    const parsed = SpecFields.safeParse(candidate);
    if (parsed.success) {
      const { id, title, status, severity } = parsed.data;
      return { id, title, status, severity, file };
    }
  }
  throw new UserFacingError(`spec file ${file} has no "id" (looked at the top level, metadata: and spec:)`);
}
