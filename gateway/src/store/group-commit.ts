// Group commit: appends that arrive in the same event-loop turn share one transaction, so one
// fsync covers many readings (thousands/s on a disk that does a few hundred fsyncs/s). Each caller
// resolves only after the transaction holding its entries has committed.

export interface GroupCommitter<T, R> {
  submit(item: T): Promise<R>;
  /** Commits whatever is queued now; resolves when it is done. */
  flush(): Promise<void>;
}

/**
 * @param commitAll writes all items in ONE transaction (all or none) and returns their results
 * @param commitOne writes one item alone; used when the group failed, so that one bad item
 *   cannot fail its neighbours
 */
export function createGroupCommitter<T, R>(
  commitAll: (items: readonly T[]) => R[],
  commitOne: (item: T) => R,
): GroupCommitter<T, R> {
  type Waiter = { item: T; resolve: (r: R) => void; reject: (e: unknown) => void };
  let queue: Waiter[] = [];
  let scheduled: Promise<void> | null = null;

  function run(): void {
    scheduled = null;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    let results: R[];
    try {
      results = commitAll(batch.map((w) => w.item));
    } catch {
      for (const w of batch) {
        try {
          w.resolve(commitOne(w.item));
        } catch (error) {
          w.reject(error);
        }
      }
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i]!));
  }

  function schedule(): Promise<void> {
    // setImmediate runs after the I/O callbacks of this turn: every frame parsed from the
    // sockets that were readable together lands in the same transaction.
    scheduled ??= new Promise((done) => setImmediate(() => (run(), done())));
    return scheduled;
  }

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        void schedule();
      });
    },
    flush: () => (queue.length === 0 && !scheduled ? Promise.resolve() : schedule()),
  };
}
