/**
 * POSTs GraphQL requests to the hub and decides, for each failure, whether trying again can
 * help. Retried, with exponential backoff and jitter: network errors (refused, reset, timed
 * out, a body cut short), HTTP 5xx and 429, and the codes SERVICE_UNAVAILABLE, RATE_LIMITED and
 * INTERNAL_SERVER_ERROR. Never retried: any other 4xx and any other GraphQL error
 * (BAD_USER_INPUT, FORBIDDEN, UNAUTHENTICATED, …): the same request would fail the same way.
 * Resending an ingest batch is safe: `(source, externalId)` is unique, so a batch that was
 * stored before its answer was lost comes back as DUPLICATE.
 */

export interface ClientOptions {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  /** The Authorization header value: `ApiKey …` or `Bearer …`. */
  authorization: string;
  /** Retries after the first attempt. */
  retries: number;
  /** First backoff; it doubles each time, up to `maxDelayMs`, with jitter. */
  retryDelayMs: number;
  maxDelayMs?: number;
  /** Per attempt. */
  timeoutMs: number;
  /** Told before each wait. */
  onRetry?: (attempt: number, delayMs: number, reason: string) => void;
}

interface GraphqlError {
  message: string;
  extensions?: { code?: string; [key: string]: unknown };
}

interface GraphqlResponse<T> {
  data?: T | null;
  errors?: GraphqlError[];
}

/** A failure that retrying will not mend, or the last of the retries. */
export class PushRequestError extends Error {
  override readonly name = 'PushRequestError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly code?: string,
  ) {
    super(message);
  }
}

const RETRYABLE_CODES = new Set(['SERVICE_UNAVAILABLE', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR']);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `http://host:4000` and `http://host:4000/` mean the hub's /graphql. */
export function endpointOf(url: string): string {
  const parsed = new URL(url);
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/graphql';
  return parsed.toString();
}

/** One attempt; throws PushRequestError saying whether another attempt may succeed. */
async function attempt<T>(options: ClientOptions, body: string): Promise<{ data: T; retryAfterMs?: number }> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: options.authorization },
      body,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new PushRequestError(`network error: ${cause?.code ?? cause?.message ?? (error as Error).message}`, true);
  }
  let parsed: GraphqlResponse<T> | undefined;
  try {
    parsed = JSON.parse(text) as GraphqlResponse<T>;
  } catch {
    parsed = undefined;
  }
  const first = parsed?.errors?.[0];
  const code = first?.extensions?.code;
  const what = first ? `${code ?? 'error'}: ${first.message}` : `HTTP ${response.status} ${text.slice(0, 200)}`;
  if (response.status >= 500 || response.status === 429) {
    const retryAfter = Number(response.headers.get('retry-after'));
    throw Object.assign(new PushRequestError(`HTTP ${response.status} (${what})`, true, code), Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {});
  }
  if (!parsed) {
    // A 2xx or 4xx that is not JSON: something between us and the hub answered.
    throw new PushRequestError(`HTTP ${response.status}: not a GraphQL response: ${text.slice(0, 200)}`, response.status < 400);
  }
  if (first) throw new PushRequestError(what, typeof code === 'string' && RETRYABLE_CODES.has(code), code);
  if (response.status >= 400 || !parsed.data) throw new PushRequestError(`HTTP ${response.status}: ${text.slice(0, 200)}`, false);
  return { data: parsed.data };
}

/** Sends one request, retrying what may succeed next time; resolves with `data`. */
export async function request<T>(options: ClientOptions, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const body = JSON.stringify({ query, variables });
  const maxDelay = options.maxDelayMs ?? 30_000;
  for (let tries = 0; ; tries++) {
    try {
      return (await attempt<T>(options, body)).data;
    } catch (error) {
      if (!(error instanceof PushRequestError) || !error.retryable || tries >= options.retries) {
        if (error instanceof PushRequestError && error.retryable) throw new PushRequestError(`${error.message} (gave up after ${tries + 1} attempts)`, true, error.code);
        throw error;
      }
      const backoff = Math.min(maxDelay, options.retryDelayMs * 2 ** tries);
      const jittered = backoff / 2 + Math.random() * (backoff / 2);
      const delay = Math.max(jittered, Math.min(maxDelay, (error as { retryAfterMs?: number }).retryAfterMs ?? 0));
      options.onRetry?.(tries + 1, delay, error.message);
      await sleep(delay);
    }
  }
}
