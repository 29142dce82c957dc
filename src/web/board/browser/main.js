// Browser entry of the board (/board), bundled by ../bundle.ts. Signs in with the hub's sign-in,
// then shows the signed-in principal's unit, or a unit within it named by ?unit=<code>: counts
// and lists over HTTP, live feeds over one WebSocket. Plain browser JavaScript.
import { SignInSession } from '../../sign-in/session.js';
import { createApi } from './api.js';
import { buildLayout, buildSignIn } from './layout.js';
import { byId, el, throttle } from './dom.js';
import { createBoard } from './board.js';
import { resizeCharts } from './charts.js';

const page = JSON.parse(byId('page-data').textContent);
const root = byId('board');

async function showSignIn(session, error) {
  root.dataset.state = 'signed-out';
  const principals = await session.demoPrincipals().catch(() => []);
  buildSignIn(root, session.state.methods, principals, {
    error: error ?? session.state.error,
    signIn: () => void session.signIn(),
    demoSignIn: (name) => void session.demoSignIn(name),
  });
}

/** The unit code of the address (?unit=…), when it looks like one. */
function unitOfAddress() {
  const code = new URLSearchParams(location.search).get('unit');
  return code && /^\d{6,15}$/.test(code) ? code : undefined;
}

async function start() {
  const session = await SignInSession.start({ signInPath: page.signInPath, redirectPath: location.pathname });
  let board;
  let api;
  // null until the first state: the first call always draws.
  let signedInAs = null;
  session.subscribe((state) => {
    const who = state.signedIn?.principal;
    if (who === signedInAs && !(who === undefined && state.error)) return;
    signedInAs = who;
    board?.stop();
    api?.dispose();
    board = undefined;
    api = undefined;
    if (!who) {
      void showSignIn(session);
      return;
    }
    buildLayout(root);
    byId('sign-out').addEventListener('click', () => session.signOut());
    api = createApi({ graphqlPath: page.graphqlPath, authorization: () => session.authorization(), onConnection: (change) => board?.connection(change) });
    board = createBoard({ api, page, onDrill: drill });
    void board.open(unitOfAddress());
  });

  function drill(code) {
    const url = new URL(location.href);
    url.search = code ? `?${new URLSearchParams({ unit: code })}` : '';
    history.pushState(null, '', url.href);
    void board?.open(code);
  }
  addEventListener('popstate', () => void board?.open(unitOfAddress()));
  addEventListener('resize', throttle(() => {
    resizeCharts();
    board?.redrawMap();
  }, 200));
}

start().catch((error) => {
  root.replaceChildren(el('p', { class: 'problem', text: `指挥大屏无法启动：${error instanceof Error ? error.message : String(error)}` }));
});
