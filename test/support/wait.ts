/** Polls until `check` returns a truthy value or the deadline passes. */
type Truthy<T> = Exclude<T, undefined | null | false | 0 | ''>;

export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<Truthy<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last as Truthy<T>;
    await sleep(options.intervalMs ?? 25);
  }
  throw new Error(
    `timed out waiting for ${options.what ?? 'condition'} (last value: ${JSON.stringify(last)})`,
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
