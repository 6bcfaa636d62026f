import { describe, expect, it } from 'vitest';
import { type Throttleable, WorkThrottle } from '../../src/queue/work-throttle.js';

function worker(concurrency: number) {
  return { concurrency };
}

/** A throttle over fresh workers with the given configured concurrencies. */
function throttling<const T extends readonly number[]>(...concurrencies: T) {
  const throttle = new WorkThrottle();
  // One worker per concurrency given, so the tuple's length carries over.
  const workers = concurrencies.map(worker) as { [K in keyof T]: Throttleable };
  for (const each of workers) throttle.add(each);
  return { throttle, workers };
}

describe('the work throttle of a process that answers requests and runs workers', () => {
  it('halves every worker while the event loop is busier than 80 %, down to one job at a time', () => {
    const {
      throttle,
      workers: [chat, deliveries],
    } = throttling(200, 50);
    throttle.tick(0.95);
    expect([chat.concurrency, deliveries.concurrency]).toEqual([100, 25]);
    for (let i = 0; i < 10; i++) throttle.tick(0.9);
    expect([chat.concurrency, deliveries.concurrency]).toEqual([1, 1]);
  });

  it('gives work back by a tenth of the configured concurrency per quiet interval, never beyond it', () => {
    const {
      throttle,
      workers: [chat],
    } = throttling(200);
    for (let i = 0; i < 10; i++) throttle.tick(0.99);
    expect(chat.concurrency).toBe(1);
    throttle.tick(0.2);
    expect(chat.concurrency).toBe(21);
    for (let i = 0; i < 20; i++) throttle.tick(0.1);
    expect(chat.concurrency).toBe(200);
  });

  it('holds the concurrency where it is between the two marks', () => {
    const {
      throttle,
      workers: [chat],
    } = throttling(200);
    throttle.tick(0.9);
    throttle.tick(0.65);
    expect(chat.concurrency).toBe(100);
  });

  it('restores every worker when it stops, and leaves a removed worker alone', () => {
    const {
      throttle,
      workers: [kept, closed],
    } = throttling(40, 40);
    throttle.tick(0.9);
    throttle.remove(closed);
    throttle.tick(0.9);
    expect([kept.concurrency, closed.concurrency]).toEqual([10, 20]);
    throttle.stop();
    expect([kept.concurrency, closed.concurrency]).toEqual([40, 20]);
  });
});
