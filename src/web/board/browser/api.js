// The board's two ways to the hub: HTTP POST for queries and mutations, one graphql-ws client
// for the live feeds. Both carry the signed-in person's token; the WebSocket reconnects on its
// own after a drop (and resubscribes), and tells the page when it is down and when it is back.
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
  const client = createClient({
    url: url.href,
    connectionParams: () => ({ authorization: authorization() }),
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** retries))),
    keepAlive: 10_000,
    on: {
      connected: () => {
        onConnection({ up: true, again: everConnected });
        everConnected = true;
      },
      closed: () => onConnection({ up: false, again: everConnected }),
    },
  });

  /** Subscribes; `next` gets each item's data. Returns the function that ends the subscription. */
  function live(query, variables, next) {
    return client.subscribe({ query, variables }, {
      next: (result) => {
        if (result.data) next(result.data);
      },
      error: () => undefined,
      complete: () => undefined,
    });
  }

  return { call, live, dispose: () => client.dispose() };
}
