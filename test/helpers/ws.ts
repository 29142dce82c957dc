import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';

export interface LiveSubscription<T> {
  /** Everything received so far. */
  readonly received: T[];
  /** Resolves with the next item, or rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<T>;
  /** Waits until `count` items arrived (or `timeoutMs`), then returns all received. */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  readonly errors: unknown[];
  close(): Promise<void>;
}

/** A graphql-ws client over `ws` (Node 20 has no global WebSocket). */
export function wsClient(url: string, authorization: string | undefined, onClosed?: (event: { code: number; reason: string }) => void): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    connectionParams: authorization ? { authorization } : {},
    on: { closed: (event) => onClosed?.(event as { code: number; reason: string }) },
  });
}

/** Subscribes and resolves once the server acknowledged the subscription's connection. */
export async function subscribe<T>(
  url: string,
  authorization: string,
  query: string,
  variables: Record<string, unknown> = {},
  connectionParams: Record<string, unknown> = {},
): Promise<LiveSubscription<T>> {
  const received: T[] = [];
  const errors: unknown[] = [];
  let waiters: (() => void)[] = [];
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    connectionParams: { ...connectionParams, authorization },
    on: { connected: () => connected() },
  });
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) errors.push(...value.errors);
        if (value.data) {
          const first = Object.values(value.data as Record<string, unknown>)[0] as T;
          received.push(first);
        }
        const current = waiters;
        waiters = [];
        current.forEach((wake) => wake());
      },
      error: (error) => {
        errors.push(error);
        const current = waiters;
        waiters = [];
        current.forEach((wake) => wake());
      },
      complete: () => {},
    },
  );
  // Connected, not yet registered: before expecting deliveries, wait for the hub to count the
  // subscription (TestHub.liveAlertSubscribers).
  await ready;
  const waitFor = async (count: number, timeoutMs = 5000): Promise<T[]> => {
    const deadline = Date.now() + timeoutMs;
    while (received.length < count && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return received;
  };
  return {
    received,
    errors,
    waitFor,
    async next(timeoutMs = 5000) {
      const before = received.length;
      await waitFor(before + 1, timeoutMs);
      if (received.length <= before) throw new Error(`no event within ${timeoutMs} ms`);
      return received[before] as T;
    },
    async close() {
      dispose();
      await client.dispose();
    },
  };
}
