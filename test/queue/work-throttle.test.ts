import { describe, expect, it } from 'vitest';
import { WorkThrottle } from '../../src/queue/work-throttle.js';

function worker(concurrency: number) {
  return { concurrency };
}

describe('the work throttle of a process that answers requests and runs workers', () => {
  it('halves every worker while the event loop is busier than 80 %, down to one job at a time', () => {
    const throttle = new WorkThrottle();
    const chat = worker(200);
    const deliveries = worker(50);
    throttle.add(chat);
    throttle.add(deliveries);
    throttle.tick(0.95);
    expect([chat.concurrency, deliveries.concurrency]).toEqual([100, 25]);
    for (let i = 0; i < 10; i++) throttle.tick(0.9);
    expect([chat.concurrency, deliveries.concurrency]).toEqual([1, 1]);
  });

  it('gives work back by a tenth of the configured concurrency per quiet interval, never beyond it', () => {
    const throttle = new WorkThrottle();
    const chat = worker(200);
    throttle.add(chat);
    for (let i = 0; i < 10; i++) throttle.tick(0.99);
    expect(chat.concurrency).toBe(1);
    throttle.tick(0.2);
    expect(chat.concurrency).toBe(21);
    for (let i = 0; i < 20; i++) throttle.tick(0.1);
    expect(chat.concurrency).toBe(200);
  });

  it('holds the concurrency where it is between the two marks', () => {
    const throttle = new WorkThrottle();
    const chat = worker(200);
    throttle.add(chat);
    throttle.tick(0.9);
    throttle.tick(0.65);
    expect(chat.concurrency).toBe(100);
  });

  it('restores every worker when it stops, and leaves a removed worker alone', () => {
    const throttle = new WorkThrottle();
    const kept = worker(40);
    const closed = worker(40);
    throttle.add(kept);
    throttle.add(closed);
    throttle.tick(0.9);
    throttle.remove(closed);
    throttle.tick(0.9);
    expect([kept.concurrency, closed.concurrency]).toEqual([10, 20]);
    throttle.stop();
    expect([kept.concurrency, closed.concurrency]).toEqual([40, 20]);
  });
});
