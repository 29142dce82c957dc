// Browser entry of the GraphiQL page, bundled by ../bundle.ts. Everything it loads comes
// from the hub itself: Monaco's workers are sibling assets of this bundle, never a CDN
// (graphiql's `setup-workers/esm.sh` would fetch them from esm.sh).
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createHubFetcher } from './fetcher.js';
import { DEFAULT_HEADERS, DEFAULT_QUERY } from './defaults.js';

// The project's tsconfig has no DOM lib (it would let server code use browser globals
// unnoticed), so this is the slice of the browser that the entry touches.
interface PageRoot extends Element {
  readonly dataset: Readonly<Record<string, string | undefined>>;
}
interface BrowserGlobals {
  readonly location: { readonly href: string };
  readonly document: { getElementById(id: string): PageRoot | null };
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

const fetcher = createHubFetcher({ url: url.href, subscriptionUrl: subscriptionUrl.href });

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
