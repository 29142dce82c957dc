// The board's two ways to the hub: HTTP POST for queries and mutations, one graphql-ws client
// for the live feeds. Both carry the signed-in person's token; the WebSocket reconnects on its
// own after a drop and tells the page when it is down and when it is back. Each live stream
// keeps the last cursor it saw (an event's, or the "live now" ping's before any event) and
// resubscribes with `after: <cursor>`: the hub replays what was committed in the gap, once.
import { createClient } from 'graphql-ws/client';

/** A GraphQL answer that had errors (code: the hub's extensions.code, or NETWORK). */
export class CallError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export function createApi({ graphqlPath, authorization, onConnection }) {
  async function call(query, variables) {
    let response;
    try {
      response = await fetch(graphqlPath, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: authorization() ?? '' },
        body: JSON.stringify({ query, variables }),
        cache: 'no-store',
      });
    } catch (error) {
      throw new CallError('NETWORK', error instanceof Error ? error.message : String(error));
    }
    const body = await response.json().catch(() => ({}));
    const first = body.errors?.[0];
    if (first || !body.data) throw new CallError(first?.extensions?.code ?? 'NETWORK', first?.message ?? `HTTP ${response.status}`);
    return body.data;
  }

  const url = new URL(graphqlPath, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  let everConnected = false;
  /** The open streams by their current graphql-ws operation id (for the "live now" ping). */
  const streams = new Map();
  let operations = 0;
  const client = createClient({
    url: url.href,
    connectionParams: () => ({ authorization: authorization() }),
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** retries))),
    keepAlive: 10_000,
    // A counter, not crypto.randomUUID: an intranet hub over plain http is no secure context.
    generateID: () => `board-${++operations}`,
    on: {
      connected: () => {
        // Resubscribing with no cursor (the drop came before the stream's first ping or event):
        // the gap cannot be replayed, so that stream's owner refetches.
        if (everConnected) for (const stream of new Set(streams.values())) if (!stream.payload.variables.after) stream.lost('unknown');
        onConnection({ up: true, again: everConnected });
        everConnected = true;
      },
      closed: () => onConnection({ up: false, again: everConnected }),
      ping: (received, payload) => {
        if (received && payload?.subscribed) streams.get(payload.subscribed)?.liveNow(payload.cursor);
      },
    },
  });

  /**
   * Subscribes to a live field whose document takes `$after: String` and selects `cursor`;
   * `next` gets each item's data; `placed()` is called once the stream knows where it is (its
   * first cursor). `lost(reason)` is called when the stream resumes without the events of a
   * gap: 'expired' (the hub refused the cursor: CURSOR_EXPIRED, older than its replay window;
   * the stream starts again from now) or 'unknown' (it had no cursor yet). Returns the function
   * that ends the subscription.
   */
  function live(query, variables, { next, lost = () => undefined, placed = () => undefined }) {
    // graphql-ws sends this same payload each time it resubscribes after a reconnection: the
    // cursor written into its variables is where the next subscription starts.
    const payload = { query, variables: { ...variables } };
    const remember = (cursor) => {
      if (typeof cursor !== 'string' || !cursor) return;
      payload.variables.after = cursor;
      if (!known) placed();
      known = true;
    };
    let known = false;
    let ended = false;
    let stop = () => undefined;
    const stream = {
      payload,
      lost,
      liveNow: (cursor) => {
        if (!payload.variables.after) remember(cursor);
      },
    };
    const start = () => {
      const before = operations;
      // The hub refuses a cursor when it subscribes: graphql-ws sends that as a result with
      // errors (then completes), or, from other servers, as an error message.
      const refused = (errors) => {
        if (ended || !expired(errors)) return;
        delete payload.variables.after;
        forget(stream);
        start();
        lost('expired');
      };
      stop = client.subscribe(payload, {
        next: (result) => {
          if (result.errors) refused(result.errors);
          if (!result.data) return;
          remember(Object.values(result.data)[0]?.cursor);
          next(result.data);
        },
        error: refused,
        complete: () => undefined,
      });
      // subscribe() took the next id at once.
      if (operations > before) streams.set(`board-${operations}`, stream);
    };
    start();
    return () => {
      ended = true;
      forget(stream);
      stop();
    };
  }

  function forget(stream) {
    for (const [id, other] of streams) if (other === stream) streams.delete(id);
  }

  return { call, live, dispose: () => client.dispose() };
}

/** Whether a subscription's errors refuse its cursor: too old (CURSOR_EXPIRED) or not one. */
function expired(errors) {
  const list = Array.isArray(errors) ? errors : [];
  return list.some((error) => error?.extensions?.code === 'CURSOR_EXPIRED' || (error?.extensions?.code === 'BAD_USER_INPUT' && error?.extensions?.field === 'after'));
}
