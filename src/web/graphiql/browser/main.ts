// Browser entry of the GraphiQL page, bundled by ../bundle.ts. Everything it loads comes
// from the hub itself: Monaco's workers are sibling assets of this bundle, never a CDN
// (graphiql's `setup-workers/esm.sh` would fetch them from esm.sh).
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createHubFetcher } from './fetcher.js';
import { DEFAULT_HEADERS, DEFAULT_QUERY } from './defaults.js';
import { SignInSession } from '../../sign-in/session.js';
import { mountSignInBar } from '../../sign-in/bar.js';
import type { BrowserElement } from '../../sign-in/browser.js';

// The project's tsconfig has no DOM lib (it would let server code use browser globals
// unnoticed), so this is the slice of the browser that the entry touches.
interface PageRoot extends Element {
  readonly dataset: Readonly<Record<string, string | undefined>>;
}
interface BrowserGlobals {
  readonly location: { readonly href: string };
  readonly document: { getElementById(id: string): (PageRoot & BrowserElement) | null };
  readonly Worker: new (url: URL, options?: { name?: string }) => object;
  MonacoEnvironment?: { getWorker(workerId: string, label: string): object };
}
const browser = globalThis as unknown as BrowserGlobals;

// Worker file names are fixed by ../bundle.ts; resolving them against this module's URL
// keeps the page working under any mount path.
const WORKERS: Readonly<Record<string, string>> = {
  json: 'json.worker.js',
  graphql: 'graphql.worker.js',
};
browser.MonacoEnvironment = {
  getWorker(_workerId, label) {
    const file = WORKERS[label] ?? 'editor.worker.js';
    return new browser.Worker(new URL(file, import.meta.url), { name: label });
  },
};

const root = browser.document.getElementById('graphiql');
if (!root) throw new Error('gridhub GraphiQL: missing #graphiql element');
const graphqlPath = root.dataset['graphqlPath'] ?? '/graphql';

const url = new URL(graphqlPath, browser.location.href);
const subscriptionUrl = new URL(url);
subscriptionUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';

// The sign-in bar, when the hub offers sign-in (data-sign-in-path): its token goes into every
// request's Authorization and every WebSocket's connectionParams, unless the headers editor sets its own.
const signInPath = root.dataset['signInPath'];
const signInHost = browser.document.getElementById('sign-in');
const session = signInPath ? await SignInSession.start({ signInPath }) : undefined;
if (session && signInHost) mountSignInBar(signInHost, session);

const fetcher = createHubFetcher({ url: url.href, subscriptionUrl: subscriptionUrl.href, authorization: () => session?.authorization() });

createRoot(root).render(
  createElement(GraphiQL, {
    fetcher,
    defaultQuery: DEFAULT_QUERY,
    // defaultHeaders (not initialHeaders): headers a user chose to persist win.
    defaultHeaders: DEFAULT_HEADERS,
    defaultEditorToolsVisibility: 'headers',
    isHeadersEditorEnabled: true,
  }),
);
