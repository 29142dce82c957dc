// A sign-in bar for any page of the hub, drawn with plain DOM (no framework) from a
// SignInSession: "Sign in" (the identity provider), "Demo sign-in" (a list of the demo
// principals, the demo only), who is signed in and until when, "Sign out", and "Sign in again"
// when a token ends without renewal. Styles are set through element.style, which a
// Content-Security-Policy without 'unsafe-inline' still allows.
//
// Hooks for tests and pages: the bar is `.gridhub-sign-in` with `data-state` = signed-out |
// signed-in | renewal-needed; its controls carry `data-action` (sign-in, demo-sign-in,
// sign-out) and `data-role` (status, demo-principal, error).
import { browser, type BrowserElement, type BrowserGlobals } from './browser.js';
import type { SignInSession, SignInState } from './session.js';

function element(win: BrowserGlobals, tag: string, props: { text?: string; action?: string; role?: string; style?: Record<string, string> } = {}): BrowserElement {
  const node = win.document.createElement(tag);
  if (props.text !== undefined) node.textContent = props.text;
  if (props.action) node.setAttribute('data-action', props.action);
  if (props.role) node.setAttribute('data-role', props.role);
  Object.assign(node.style, props.style ?? {});
  return node;
}

const BAR_STYLE = { display: 'flex', gap: '8px', alignItems: 'center', flexWrap: 'wrap', padding: '6px 12px', font: '13px system-ui, sans-serif', borderBottom: '1px solid #d0d7de', background: '#f6f8fa' };
const ERROR_STYLE = { color: '#b42318' };

function timeOf(ms: number): string {
  const date = new Date(ms);
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

function statusText(state: SignInState): string {
  const signed = state.signedIn;
  if (!signed) return state.busy ? 'Signing in…' : 'Not signed in';
  const via = signed.via === 'demo' ? 'demo sign-in' : 'identity provider';
  return `Signed in as ${signed.principal} (${via}) until ${timeOf(signed.expiresAt)}${signed.renewalNeeded ? ' — sign in again to keep working' : ''}`;
}

/** Draws the bar into `container` and keeps it in step with the session; returns a function that stops it. */
export function mountSignInBar(container: BrowserElement, session: SignInSession, win: BrowserGlobals = browser): () => void {
  const bar = element(win, 'div', { style: BAR_STYLE });
  bar.className = 'gridhub-sign-in';
  const status = element(win, 'span', { role: 'status' });
  const signIn = element(win, 'button', { text: 'Sign in', action: 'sign-in' });
  const demoLabel = element(win, 'label', { text: 'Demo sign-in: ' });
  const demoSelect = element(win, 'select', { role: 'demo-principal' });
  const demoButton = element(win, 'button', { text: 'Sign in as', action: 'demo-sign-in' });
  const signOut = element(win, 'button', { text: 'Sign out', action: 'sign-out' });
  const error = element(win, 'span', { role: 'error', style: ERROR_STYLE });
  error.setAttribute('role', 'alert');
  demoLabel.append(demoSelect);
  bar.append(status, signIn, demoLabel, demoButton, signOut, error);
  container.replaceChildren(bar);

  signIn.addEventListener('click', () => void session.signIn());
  signOut.addEventListener('click', () => session.signOut());
  demoButton.addEventListener('click', () => {
    if (demoSelect.value) void session.demoSignIn(demoSelect.value);
  });

  let demoListed = false;
  const listDemo = async () => {
    demoListed = true;
    try {
      const principals = await session.demoPrincipals();
      demoSelect.replaceChildren(
        ...principals.map((p) => {
          const option = element(win, 'option', { text: `${p.name} — ${p.displayName}${p.unit ? ` (${p.unit.name})` : ''}` });
          option.value = p.name;
          return option;
        }),
      );
    } catch (problem) {
      error.textContent = problem instanceof Error ? problem.message : String(problem);
    }
  };

  return session.subscribe((state) => {
    const methods = state.methods;
    const signed = state.signedIn;
    const offersSomething = !!methods && (!!methods.oidc || methods.demo);
    container.hidden = !offersSomething && !state.error;
    bar.dataset['state'] = !signed ? 'signed-out' : signed.renewalNeeded ? 'renewal-needed' : 'signed-in';
    status.textContent = statusText(state);
    signIn.hidden = !methods?.oidc || (!!signed && !signed.renewalNeeded);
    signIn.textContent = signed?.renewalNeeded && signed.via === 'oidc' ? 'Sign in again' : 'Sign in';
    demoLabel.hidden = demoButton.hidden = !methods?.demo || !!signed;
    signOut.hidden = !signed;
    error.textContent = state.error ?? '';
    if (methods?.demo && !demoListed) void listDemo();
  });
}
