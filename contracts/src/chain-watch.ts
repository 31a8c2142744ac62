// A polling subscription to the deployment's events: the gateway follows rejections and registry
// changes with it. Polls at the client's interval, delivers each event once and in chain order.
import type { ChainError } from './chain-error.js';
import type { ChainEvent } from './chain-events.js';

export interface WatchOptions {
  /** failures of the node or of the handler; polling goes on */
  onError?: (error: ChainError | Error) => void;
}

export interface WatchSource {
  blockNumber(): Promise<number>;
  events(fromBlock: number, toBlock: number): Promise<ChainEvent[]>;
}

export function watchEvents(
  source: WatchSource,
  pollingIntervalMs: number,
  fromBlock: number,
  handler: (event: ChainEvent) => void | Promise<void>,
  options: WatchOptions = {},
): () => void {
  let next = fromBlock;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function tick(): Promise<void> {
    try {
      const head = await source.blockNumber();
      if (head >= next) {
        const events = await source.events(next, head);
        next = head + 1;
        for (const event of events) {
          if (stopped) return;
          try {
            await handler(event);
          } catch (error) {
            // One failing handler call must not stall the stream nor redeliver the others.
            options.onError?.(error as Error);
          }
        }
      }
    } catch (error) {
      options.onError?.(error as ChainError);
    }
    if (!stopped) timer = setTimeout(() => void tick(), pollingIntervalMs);
  }

  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
