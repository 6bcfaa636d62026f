/**
 * What bench:ack needs from a chat platform (Slack, Discord): how to sign and send one command,
 * what to put into Threadline's config, and which forked children play the fake platform API and
 * the bare baseline. The driver (bench/ack.bench.ts) is the same for every platform.
 */
import { serveRpc } from './ipc.js';

export type PlatformName = 'slack' | 'discord';

/** What a fake-platform child sends when it is ready; the rest is platform-specific. */
export interface FakeReady {
  type: 'ready';
  [key: string]: unknown;
}

/** Arrival times (ms since the epoch, 0 = not yet) of each command's card and threaded reply. */
export interface Arrivals {
  parent: Float64Array;
  reply: Float64Array;
}

export interface AckClient {
  /** Signs and sends command `seq`; resolves true when the HTTP answer is the expected acknowledgement. */
  send(seq: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface ClientOptions<F extends FakeReady> {
  url: string;
  fake: F;
  run: string;
  /** What the fake child's `prepare` answered for this run. */
  prepared: unknown;
  connections: number;
  timeoutMs: number;
}

export interface AckPlatform<F extends FakeReady = FakeReady> {
  name: PlatformName;
  /** What one request is called in the output: "commands", "interactions". */
  unit: string;
  /** argv[2] of the forked fake API and of the forked baseline (dispatched by bench/ack.bench.ts). */
  fakeRole: string;
  baselineRole: string;
  /** `platforms` and `rbac` of the Threadline config under test. */
  threadlineConfig(fake: F): { platforms: Record<string, unknown>; rbac: Record<string, unknown> };
  /** The JSON argument of the baseline child. */
  baselineOptions(fake: F): Record<string, unknown>;
  client(options: ClientOptions<F>): AckClient;
  /** Report wording. */
  text: {
    ack: string;
    reply: string;
    baselineReply: string;
    note: string;
  };
}

/** Even sequence numbers ask for help (answered in the request), odd ones page (queued). */
export function isPage(seq: number): boolean {
  return seq % 2 === 1;
}

/** The parent's `prepare` call: a run of `count` sequence numbers, against Threadline or the baseline. */
export interface PrepareParams {
  run: string;
  count: number;
  system: 'threadline' | 'baseline';
}

interface RunBook extends Arrivals {
  replies: number;
}

/**
 * The fake API's side: per run, the arrival of each command's card and threaded reply (first one
 * wins), served to the parent over IPC as prepare / progress / arrivals / forget.
 */
export class ArrivalBook {
  private readonly runs = new Map<string, RunBook>();

  parent(run: string, seq: number, at: number): void {
    const book = this.runs.get(run);
    if (book && seq >= 0 && seq < book.parent.length && book.parent[seq] === 0) book.parent[seq] = at;
  }

  reply(run: string, seq: number, at: number): void {
    const book = this.runs.get(run);
    if (book && seq >= 0 && seq < book.reply.length && book.reply[seq] === 0) {
      book.reply[seq] = at;
      book.replies++;
    }
  }

  /**
   * Answers the parent's calls. `onPrepare` may return what the client needs for the run (e.g.
   * the channel ids it may use); `onForget` frees whatever the fake keeps for it.
   */
  serve(
    ready: Record<string, unknown>,
    hooks: {
      onPrepare?: (run: string, count: number, params: PrepareParams) => unknown;
      onForget?: (run: string) => void;
    } = {},
  ): void {
    serveRpc(
      {
        prepare: (params) => {
          const prepare = params as PrepareParams;
          const { run, count } = prepare;
          this.runs.set(run, { parent: new Float64Array(count), reply: new Float64Array(count), replies: 0 });
          return hooks.onPrepare?.(run, count, prepare) ?? true;
        },
        progress: (params) => ({ replies: this.runs.get((params as { run: string }).run)?.replies ?? 0 }),
        arrivals: (params) => {
          const book = this.runs.get((params as { run: string }).run);
          return { parent: book?.parent ?? new Float64Array(0), reply: book?.reply ?? new Float64Array(0) };
        },
        forget: (params) => {
          const { run } = params as { run: string };
          hooks.onForget?.(run);
          return this.runs.delete(run);
        },
      },
      ready,
    );
  }
}
