// GraphiQL fetcher for the hub: HTTP POST for queries and mutations, graphql-ws for
// subscriptions. GraphiQL only hands the headers editor to the fetcher, and a WebSocket
// has no per-operation headers, so the Authorization value of each call picks (or
// creates) a graphql-ws client whose connectionParams carry it: the hub authenticates a
// socket once, from `connectionParams.authorization`.
//
// No DOM types here on purpose: this module also runs under Node (tests drive it with
// `ws` as the WebSocket implementation).
import { getOperationAST, parse, type DocumentNode } from 'graphql';
import { createClient, type Client, type ExecutionResult } from 'graphql-ws/client';
import type { Fetcher, FetcherOpts, FetcherParams } from '@graphiql/toolkit';
import { TOKEN_PLACEHOLDER } from './defaults.js';

interface HubFetcherOptions {
  /** Absolute http(s) URL of the GraphQL endpoint. */
  readonly url: string;
  /** Absolute ws(s) URL of the same endpoint. */
  readonly subscriptionUrl: string;
  /** Defaults to the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Defaults to the global `WebSocket` (browsers); Node 20 needs `ws`. */
  readonly webSocketImpl?: unknown;
  /**
   * Distinct Authorization values whose clients are kept. Lazy clients without
   * subscriptions hold no socket, so this only bounds memory when someone pastes
   * many tokens in one session; the oldest client is disposed first.
   */
  readonly maxClients?: number;
  /**
   * The signed-in person's `Authorization` value (`Bearer …`), asked for at every run; used when
   * the headers editor sets no Authorization of its own (or still holds the placeholder).
   */
  readonly authorization?: () => string | undefined;
}

export interface HubFetcher extends Fetcher {
  /** Closes every WebSocket client (tests, page teardown). */
  dispose(): Promise<void>;
}

type EditorHeaders = Readonly<Record<string, unknown>>;

export function createHubFetcher(options: HubFetcherOptions): HubFetcher {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const maxClients = options.maxClients ?? 8;
  // Keyed by the exact Authorization value; '' is the anonymous client.
  const clients = new Map<string, Client>();

  function clientFor(authorization: string): Client {
    const existing = clients.get(authorization);
    if (existing) {
      // Re-insert so that Map order is least-recently-used first.
      clients.delete(authorization);
      clients.set(authorization, existing);
      return existing;
    }
    const client = createClient({
      url: options.subscriptionUrl,
      connectionParams: authorization === '' ? {} : { authorization },
      webSocketImpl: options.webSocketImpl,
      // A rejected token or a restarted hub should show up in the result pane at once
      // instead of after silent reconnection attempts; running it again reconnects.
      retryAttempts: 0,
    });
    clients.set(authorization, client);
    while (clients.size > maxClients) {
      const [oldestKey, oldest] = clients.entries().next().value as [string, Client];
      clients.delete(oldestKey);
      void oldest.dispose();
    }
    return client;
  }

  const fetcher = (params: FetcherParams, opts?: FetcherOpts) => {
    const headers = withSignIn(opts?.headers ?? {}, options.authorization?.());
    if (isSubscription(params)) {
      return subscribe(clientFor(authorizationOf(headers)), params);
    }
    return postJson(doFetch, options.url, params, headers);
  };

  return Object.assign(fetcher, {
    async dispose(): Promise<void> {
      const all = [...clients.values()];
      clients.clear();
      await Promise.all(all.map((client) => client.dispose()));
    },
  });
}

function isSubscription(params: FetcherParams): boolean {
  // Parse the text being sent rather than trust opts.documentAST: GraphiQL refreshes that
  // AST 100 ms after the last edit, so an operation run right after editing would be
  // routed by what the editor held before.
  let document: DocumentNode;
  try {
    document = parse(params.query);
  } catch {
    // Let the server report the syntax error over HTTP.
    return false;
  }
  return getOperationAST(document, params.operationName ?? undefined)?.operation === 'subscription';
}

/** The Authorization header from the editor, whatever its capitalisation. */
function authorizationOf(headers: EditorHeaders): string {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'authorization' && value !== undefined && value !== null) {
      return String(value).trim();
    }
  }
  return '';
}

/**
 * The editor's headers, with the signed-in Authorization when the editor sets none (or only the
 * placeholder): what a person typed wins over the sign-in.
 */
export function withSignIn(headers: EditorHeaders, signedIn: string | undefined): EditorHeaders {
  const typed = authorizationOf(headers);
  if (typed !== '' && typed !== TOKEN_PLACEHOLDER) return headers;
  const rest = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
  return signedIn ? { ...rest, Authorization: signedIn } : rest;
}

async function postJson(
  doFetch: typeof fetch,
  url: string,
  params: FetcherParams,
  headers: EditorHeaders,
): Promise<ExecutionResult> {
  const requestHeaders: Record<string, string> = {
    accept: 'application/graphql-response+json, application/json',
    'content-type': 'application/json',
  };
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && value !== null) requestHeaders[name] = String(value);
  }
  const response = await doFetch(url, {
    method: 'POST',
    headers: requestHeaders,
    body: JSON.stringify({
      query: params.query,
      operationName: params.operationName ?? undefined,
      variables: params.variables ?? undefined,
    }),
  });
  const text = await response.text();
  try {
    // GraphQL-over-HTTP puts errors in a JSON body even on 4xx; keep it for the result pane.
    return JSON.parse(text) as ExecutionResult;
  } catch {
    throw new Error(`HTTP ${response.status} ${response.statusText}: ${text.slice(0, 500)}`);
  }
}

async function* subscribe(client: Client, params: FetcherParams): AsyncGenerator<ExecutionResult> {
  try {
    // yield* forwards GraphiQL's return() (the stop button) to graphql-ws, which
    // sends `complete` to the server.
    yield* client.iterate({
      query: params.query,
      operationName: params.operationName ?? null,
      variables: (params.variables as Record<string, unknown> | null | undefined) ?? null,
    }) as AsyncIterableIterator<ExecutionResult>;
  } catch (error) {
    // graphql-ws rejects with the server's GraphQL errors (an array) for an `error`
    // message, and with the CloseEvent when the socket closes; neither renders well raw.
    if (Array.isArray(error)) {
      yield { errors: error } as ExecutionResult;
      return;
    }
    throw toError(error);
  }
}

function toError(error: unknown): Error {
  if (error instanceof Error) return error;
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code, reason } = error as { code: unknown; reason?: unknown };
    const detail = typeof reason === 'string' && reason !== '' ? `: ${reason}` : '';
    return new Error(`WebSocket closed with code ${String(code)}${detail}`);
  }
  return new Error(String(error));
}
