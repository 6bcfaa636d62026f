/**
 * Loaded with `--import` before anything else: records every package file the process loads, as
 * lines in the file named by THREADLINE_IMPORT_LOG. ES modules are seen by a resolve hook (they
 * never enter the CommonJS cache); CommonJS files, including those a CommonJS package requires
 * on its own, which no ES module hook sees on Node 20, are read from that cache at exit.
 */
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const log = process.env.THREADLINE_IMPORT_LOG;
if (!log) throw new Error('import-recorder: set THREADLINE_IMPORT_LOG to the file to record into');

register('./import-recorder-hooks.mjs', import.meta.url, { data: { log } });
const commonJsCache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  appendFileSync(log, Object.keys(commonJsCache).join('\n'));
});
