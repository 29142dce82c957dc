import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';

/** One subscription of a CursoredClient: what it received, its errors, its "live now" cursor. */
export interface CursoredStream<T> {
  readonly items: T[];
  readonly errors: unknown[];
  /** The cursor of the hub's "live now" ping for this operation, once it came. */
  live: string | undefined;
  completed: boolean;
}

/**
 * A graphql-ws client (`createClient`, as a front end uses it) that names each operation, so that
 * the hub's "live now" ping (`{ subscribed: <id>, cursor }`, seen in `on.ping`) is matched to its
 * subscription. It does not retry: a test reconnects by making a new one, with `after`.
 */
export class CursoredClient {
  private readonly client: Client;
  private readonly streams = new Map<string, CursoredStream<unknown>>();
  private nextName: string | undefined;
  private waiters: (() => void)[] = [];
  closed: { code: number; reason: string } | undefined;

  constructor(url: string, authorization: string) {
    this.client = createClient({
      url,
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 0,
      connectionParams: { authorization },
      generateID: () => this.nextName ?? `op-${Math.random().toString(36).slice(2)}`,
      on: {
        ping: (_received, payload) => {
          const { subscribed, cursor } = (payload ?? {}) as { subscribed?: string; cursor?: string };
          const stream = subscribed ? this.streams.get(subscribed) : undefined;
          if (stream) stream.live = cursor;
          this.wake();
        },
        closed: (event) => {
          this.closed = event as { code: number; reason: string };
          this.wake();
        },
      },
    });
  }

  /** Subscribes as operation `name`; the stream collects each `next`'s field value. */
  subscribe<T>(name: string, query: string, variables: Record<string, unknown> = {}): CursoredStream<T> {
    const stream: CursoredStream<T> = { items: [], errors: [], live: undefined, completed: false };
    this.streams.set(name, stream as CursoredStream<unknown>);
    this.nextName = name;
    this.client.subscribe<Record<string, T>>(
      { query, variables },
      {
        next: (value) => {
          if (value.errors) stream.errors.push(...value.errors);
          if (value.data) stream.items.push(Object.values(value.data)[0] as T);
          this.wake();
        },
        error: (error) => {
          stream.errors.push(...(Array.isArray(error) ? error : [error]));
          this.wake();
        },
        complete: () => {
          stream.completed = true;
          this.wake();
        },
      },
    );
    this.nextName = undefined;
    return stream;
  }

  /** Until `predicate` holds; throws naming `what` after `timeoutMs`. */
  async until(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  dispose(): Promise<void> {
    return Promise.resolve(this.client.dispose());
  }

  private wake(): void {
    const current = this.waiters;
    this.waiters = [];
    for (const wake of current) wake();
  }
}
