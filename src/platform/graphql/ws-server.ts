import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import { CloseCode, handleProtocols, makeServer, type Disposable, type ServerOptions } from 'graphql-ws';

/**
 * graphql-ws on a `ws` server, as `useServer` from `graphql-ws/use/ws`, with two changes to how
 * messages are written, for a hub that sends ~10,000 `next` messages a second:
 *
 * - coalesced writes: the first message written to a socket in an event-loop turn corks it, and
 *   it is uncorked once the turn's work is done (`setImmediate`), so the messages a subscriber
 *   gets in one turn (a city officer gets every alert of a batch) leave in one system call
 *   instead of one each. Loopback writes were a third of the hub's CPU time.
 * - no wait for each write: graphql-ws awaits `send` before it takes the subscription's next
 *   event. Here `send` resolves at once while the socket holds less than HIGH_WATER_BYTES unsent,
 *   and waits for the write to complete above that. A client that reads too slowly still stops
 *   its subscription's loop, so its bounded queue fills and it is dropped (1013) as before.
 *
 * Everything else (protocol, keep-alive pings every 12 s, close codes) is graphql-ws's.
 */

/** Above this many unsent bytes on a socket, `send` waits for the write (back-pressure). */
const HIGH_WATER_BYTES = 64 * 1024;

/**
 * What each connection's graphql-ws context carries besides the protocol state: its socket.
 * (graphql-ws's own adapter also keeps the upgrade request, headers and all, for as long as the
 * connection is open; nothing here reads it, so it is not kept.)
 */
export interface Extra {
  readonly socket: WebSocket;
  /** The client's address as `clientIp` (below) read it from the upgrade request; the request itself is dropped. */
  readonly clientIp: string | undefined;
}

/** The sockets corked during this turn, uncorked together when it ends. */
const corked = new Set<WebSocket>();
let uncorkScheduled = false;

function uncorkAll(): void {
  uncorkScheduled = false;
  for (const socket of corked) rawSocket(socket)?.uncork();
  corked.clear();
}

/** The TCP socket under a `ws` WebSocket (not part of ws's typed API, stable since ws 1). */
function rawSocket(socket: WebSocket): { cork(): void; uncork(): void } | undefined {
  return (socket as unknown as { _socket?: { cork(): void; uncork(): void; destroyed?: boolean } })._socket;
}

function cork(socket: WebSocket): void {
  if (corked.has(socket)) return;
  const raw = rawSocket(socket);
  if (!raw) return;
  raw.cork();
  corked.add(socket);
  if (!uncorkScheduled) {
    uncorkScheduled = true;
    setImmediate(uncorkAll);
  }
}

function send(socket: WebSocket, data: string): Promise<void> {
  if (socket.readyState !== socket.OPEN) return Promise.resolve();
  cork(socket);
  if (socket.bufferedAmount < HIGH_WATER_BYTES) {
    // A failed write ends in the socket's 'error' and 'close' events, which graphql-ws handles.
    socket.send(data, () => {});
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => socket.send(data, (error) => (error ? reject(error) : resolve())));
}

export function useServer<P extends Record<string, unknown> | undefined = Record<string, unknown> | undefined>(
  options: ServerOptions<P, Extra>,
  ws: WebSocketServer,
  keepAlive = 12_000,
  clientIp: (request: IncomingMessage) => string | undefined = () => undefined,
  /** What each of a connection's messages is handled inside (the connection's log fields), from its upgrade request. */
  scopeOf: (request: IncomingMessage) => <T>(body: () => T) => T = () => (body) => body(),
): Disposable {
  const isProd = process.env['NODE_ENV'] === 'production';
  const server = makeServer(options);
  const internal = (error: unknown) => (isProd ? 'Internal server error' : (error instanceof Error ? error.message : String(error)).slice(0, 120));
  ws.options.handleProtocols = handleProtocols;
  ws.once('error', (error) => {
    console.error('Internal error emitted on the WebSocket server.', error);
    for (const client of ws.clients) client.close(CloseCode.InternalServerError, internal(error));
  });
  ws.on('connection', (socket, request) => {
    const address = clientIp(request);
    const inScope = scopeOf(request);
    socket.once('error', (error) => {
      console.error('Internal error emitted on a WebSocket socket.', error);
      socket.close(CloseCode.InternalServerError, internal(error));
    });
    let pongWait: NodeJS.Timeout | null = null;
    const pingInterval =
      keepAlive > 0 && Number.isFinite(keepAlive)
        ? setInterval(() => {
            if (socket.readyState !== socket.OPEN) return;
            pongWait = setTimeout(() => socket.terminate(), keepAlive);
            socket.once('pong', () => {
              if (pongWait) clearTimeout(pongWait);
              pongWait = null;
            });
            socket.ping();
          }, keepAlive)
        : null;
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => send(socket, data),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', async (event) => {
            try {
              await inScope(() => cb(String(event)));
            } catch (error) {
              console.error('Internal error occurred during message handling.', error);
              socket.close(CloseCode.InternalServerError, internal(error));
            }
          }),
      },
      { socket, clientIp: address },
    );
    socket.once('close', (code, reason) => {
      corked.delete(socket);
      if (pongWait) clearTimeout(pongWait);
      if (pingInterval) clearInterval(pingInterval);
      void closed(code, String(reason));
    });
  });
  return {
    dispose: async () => {
      for (const client of ws.clients) client.close(1001, 'Going away');
      ws.removeAllListeners();
      await new Promise<void>((resolve, reject) => ws.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
