import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeConfigFile } from '../../support/child.js';
import { startCli } from '../../support/cli-child.js';
import { EVENTS_SECRET } from '../../support/config.js';
import { dropPrefix, REDIS_URL, uniquePrefix } from '../../support/redis.js';
import { waitFor } from '../../support/wait.js';

/** The libraries a process should load only for the platform, connector or feature that uses them. */
export const HEAVY_PACKAGES = [
  '@slack/bolt',
  '@slack/web-api',
  'botbuilder',
  '@discordjs/rest',
  'discord.js',
  'nodemailer',
  'jira.js',
  // Read and written only when an ICS feed is fetched or the published calendar is asked for.
  'node-ical',
  'ical-generator',
  '@octokit/rest',
  '@octokit/webhooks',
] as const;

const RECORDER = new URL('./import-recorder.mjs', import.meta.url).href;

/** The package a file under node_modules belongs to (`@scope/name` or `name`). */
function packageOf(file: string): string | undefined {
  const at = file.lastIndexOf('/node_modules/');
  if (at === -1) return undefined;
  const [first, second] = file.slice(at + '/node_modules/'.length).split('/');
  return first?.startsWith('@') ? `${first}/${second}` : first;
}

/**
 * Runs the real `threadline serve` on a config with these extra blocks until it listens, stops it
 * with SIGTERM, and answers which of HEAVY_PACKAGES it loaded, in that list's order.
 */
export async function heavyPackagesLoadedByServe(extraYaml: string): Promise<string[]> {
  const prefix = uniquePrefix('lazy');
  try {
    return await loadedByServe(prefix, extraYaml);
  } finally {
    await dropPrefix(prefix);
  }
}

async function loadedByServe(prefix: string, extraYaml: string): Promise<string[]> {
  const config = writeConfigFile(`
server: { host: 127.0.0.1, port: 0 }
redis: { url: "${REDIS_URL}", prefix: "${prefix}" }
security: { allow_private_networks: true }
inbound: { events: { secret: "${EVENTS_SECRET}" } }
${extraYaml}
`);
  const log = join(mkdtempSync(join(tmpdir(), 'tl-imports-')), 'loaded.txt');
  const child = startCli(['serve', '--config', config, '--port', '0'], {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${RECORDER}`,
    THREADLINE_IMPORT_LOG: log,
  });
  await child.waitForOutput(/listening on http/);
  const url = /listening on (http:\S+)/.exec(child.output())![1]!;
  // Stopped once ready (workers running): the record then covers everything a running serve loads.
  await waitFor(async () => (await fetch(`${url}/readyz`)).ok, { timeoutMs: 30_000, what: 'readiness' });
  child.process.kill('SIGTERM');
  const code = await child.exit(30_000);
  if (code !== 0) throw new Error(`serve exited with ${code}:\n${child.output()}`);
  const loaded = new Set(readFileSync(log, 'utf8').split('\n').map(packageOf));
  return HEAVY_PACKAGES.filter((name) => loaded.has(name));
}
