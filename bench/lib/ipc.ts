import type { ChildProcess } from 'node:child_process';

/** Request/answer over a forked child's IPC channel. */
interface RpcRequest {
  rpc: number;
  method: string;
  params?: unknown;
}

interface RpcAnswer {
  rpc: number;
  result?: unknown;
  error?: string;
}

type Handlers = Record<string, (params: unknown) => unknown>;

/** Child side: answers the parent's calls; `ready` is sent once with whatever the parent needs. */
export function serveRpc(handlers: Handlers, ready: Record<string, unknown>): void {
  if (!process.send) throw new Error('this script runs as a forked child with an IPC channel');
  process.on('message', (message: RpcRequest) => {
    if (typeof message?.rpc !== 'number') return;
    const handler = handlers[message.method];
    let answer: RpcAnswer;
    try {
      if (!handler) throw new Error(`unknown method ${message.method}`);
      answer = { rpc: message.rpc, result: handler(message.params) };
    } catch (error) {
      answer = { rpc: message.rpc, error: (error as Error).message };
    }
    process.send?.(answer);
  });
  // The parent going away (even SIGKILLed) closes the channel: leave with it.
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready', ...ready });
}

/** Parent side. */
export class RpcClient {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly child: ChildProcess) {
    child.on('message', (message: RpcAnswer) => {
      if (typeof message?.rpc !== 'number') return;
      const waiter = this.pending.get(message.rpc);
      if (!waiter) return;
      this.pending.delete(message.rpc);
      if (message.error !== undefined) waiter.reject(new Error(message.error));
      else waiter.resolve(message.result);
    });
    child.on('exit', () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('child exited'));
      this.pending.clear();
    });
  }

  call<T>(method: string, params?: unknown, timeoutMs = 10_000): Promise<T> {
    const rpc = this.next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(rpc);
        reject(new Error(`rpc ${method} timed out`));
      }, timeoutMs);
      this.pending.set(rpc, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ rpc, method, params } satisfies RpcRequest);
    });
  }
}
