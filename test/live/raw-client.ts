import WebSocket from 'ws';

/**
 * A graphql-transport-ws client written against the protocol itself, so that a test decides
 * exactly when each message leaves: `subscribe` sends the message at once, with no wait for
 * anything. It answers pings, and records the hub's "live now" pings (`{ subscribed: id }`).
 */
export class RawClient {
  /** Data of each `next`, by operation id. */
  readonly nexts = new Map<string, Record<string, unknown>[]>();
  /** Errors of each `error` message, by operation id. */
  readonly errors = new Map<string, unknown[]>();
  /** When (performance.now()) each operation's "live now" ping arrived, with its payload. */
  readonly live = new Map<string, { at: number; payload: Record<string, unknown> }>();
  private waiters: (() => void)[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => this.onMessage(JSON.parse(String(data)) as { type: string; id?: string; payload?: unknown }));
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.wake();
    });
  }

  static async open(url: string, authorization: string): Promise<RawClient> {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const client = new RawClient(socket);
    const acked = new Promise<void>((resolve, reject) => {
      socket.once('close', (code, reason) => reject(new Error(`closed ${code} ${String(reason)}`)));
      socket.on('message', (data) => {
        if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') resolve();
      });
    });
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization } }));
    await acked;
    return client;
  }

  subscribe(id: string, query: string, variables: Record<string, unknown> = {}): void {
    this.nexts.set(id, []);
    this.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
  }

  complete(id: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ id, type: 'complete' }));
  }

  /** Until `predicate` holds (true) or `timeoutMs` passed (false); re-checked on every message. */
  async until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) return predicate();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  close(): void {
    this.socket.close();
  }

  private onMessage(message: { type: string; id?: string; payload?: unknown }): void {
    if (message.type === 'ping') {
      this.socket.send(JSON.stringify({ type: 'pong' }));
      const payload = (message.payload ?? {}) as Record<string, unknown>;
      if (typeof payload['subscribed'] === 'string') this.live.set(payload['subscribed'], { at: performance.now(), payload });
    } else if (message.type === 'next' && message.id) {
      const { data, errors } = message.payload as { data?: Record<string, unknown>; errors?: unknown[] };
      if (data) this.nexts.get(message.id)?.push(data);
      if (errors) this.errors.set(message.id, errors);
    } else if (message.type === 'error' && message.id) {
      this.errors.set(message.id, message.payload as unknown[]);
    }
    this.wake();
  }

  private wake(): void {
    const current = this.waiters;
    this.waiters = [];
    for (const wake of current) wake();
  }
}
