/** The resolve hook of import-recorder.mjs; it runs on the loader thread. */
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let log = '';

export function initialize(data) {
  log = data.log;
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  // Written before the import goes on, so the record is complete whenever the process ends.
  if (resolved.url.startsWith('file:')) appendFileSync(log, `${fileURLToPath(resolved.url)}\n`);
  return resolved;
}
