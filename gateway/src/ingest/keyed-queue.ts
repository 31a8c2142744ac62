// Per-key serialisation: tasks with the same key run one after another in arrival order, tasks
// with different keys run concurrently. Ingest keys by meter id, so a meter's frames are
// validated against the state its previous frame left (OCMF: PG counts by exactly 1).

export interface KeyedQueue {
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** number of keys with queued or running work (for tests and leak checks) */
  activeKeys(): number;
}

export function createKeyedQueue(): KeyedQueue {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(key, task) {
      const previous = tails.get(key) ?? Promise.resolve();
      // A failed task must not block the key: the next one starts either way.
      const result = previous.then(task, task);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    activeKeys: () => tails.size,
  };
}
