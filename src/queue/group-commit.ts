/**
 * Group commit: items submitted in the same turn of the event loop (under load, the requests
 * that arrived together) are written by one call of `write`, and each caller is answered only
 * once that write has returned. When it fails, every caller of that batch gets its error.
 * A batch closes after `maxItems`, or at the end of the current I/O phase (setImmediate), so
 * a lone item waits for no timer and nothing is held longer than one turn of the loop; or, with
 * `lingerMs`, that long after its first item, for writes nobody waits on.
 */
export class GroupCommit<T, R> {
  private pending: Array<{ item: T; resolve: (result: R) => void; reject: (error: unknown) => void }> = [];
  private scheduled = false;

  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly maxItems: number,
    /** Hold a batch open this long for more items (0: until the end of the I/O phase). */
    private readonly lingerMs = 0,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxItems) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        if (this.lingerMs > 0) this.timer = setTimeout(() => this.flush(), this.lingerMs);
        else setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    let written: Promise<R[]>;
    try {
      written = this.write(batch.map((entry) => entry.item));
    } catch (error) {
      written = Promise.reject(error);
    }
    written.then(
      (results) => {
        for (let i = 0; i < batch.length; i++) batch[i]?.resolve(results[i] as R);
      },
      (error: unknown) => {
        for (const entry of batch) entry.reject(error);
      },
    );
  }
}
