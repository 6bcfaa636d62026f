/**
 * The ceiling's consumer (forked child): a bare BullMQ Worker (concurrency 50) whose processor
 * does nothing but note when it ran. The parent adds the jobs and reads the figures over IPC.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { now } from './env.js';
import { serveRpc } from './ipc.js';
import { type BenchTag, Recorder } from './recorder.js';

export interface CeilingOptions {
  redisUrl: string;
  prefix: string;
  queue: string;
  concurrency: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as CeilingOptions;
const recorder = new Recorder();
/** Per run: which sequence numbers the bench saw accepted (sent once, after the load). */
const accepted = new Map<string, Uint8Array>();
const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
const worker = new Worker<BenchTag>(
  options.queue,
  async (job) => {
    recorder.record(job.data, 0, now(), true);
  },
  { connection, prefix: options.prefix, concurrency: options.concurrency },
);
worker.on('error', (error) => process.stderr.write(`worker error: ${error.message}\n`));
await worker.waitUntilReady();

serveRpc(
  {
    stats: (params) => recorder.stats(params as Parameters<Recorder['stats']>[0]),
    unique: (params) => recorder.uniqueCount((params as { run: string }).run),
    setAccepted: (params) => {
      accepted.set((params as { run: string }).run, (params as { accepted: Uint8Array }).accepted);
      return true;
    },
    check: (params) => {
      const { run, slots } = params as { run: string; slots: number };
      return recorder.check({ run, slots, accepted: accepted.get(run) ?? new Uint8Array(0) });
    },
  },
  { pid: process.pid },
);

process.on('SIGTERM', () => {
  void worker.close().finally(() => connection.quit().finally(() => process.exit(0)));
});
