// Shared by the submit page and the status page: the data the server put into the page, one
// GraphQL call over fetch, and small DOM helpers. Plain browser JavaScript, no build step.

/** Limits, labels and paths from the server (see resident-pages.ts, "page data"). */
export const page = JSON.parse(document.getElementById('page-data').textContent);

/**
 * A GraphQL call that did not give data. `code` is the hub's `extensions.code`
 * (BAD_USER_INPUT, UNAUTHENTICATED, NOT_FOUND, CONFLICT, RATE_LIMITED, …), or NETWORK when
 * no answer came back at all.
 */
export class CallError extends Error {
  constructor(code, message, extensions = {}) {
    super(message);
    this.code = code;
    this.extensions = extensions;
  }
}

/** POSTs one operation to the hub; resolves with `data`, or rejects with a CallError (the first error). */
export async function gql(query, variables) {
  let response;
  try {
    response = await fetch(page.graphqlPath, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables }),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (error) {
    throw new CallError('NETWORK', error instanceof Error ? error.message : String(error));
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new CallError('NETWORK', `HTTP ${response.status}`);
  }
  const first = body && Array.isArray(body.errors) ? body.errors[0] : undefined;
  if (first) {
    const extensions = first.extensions ?? {};
    throw new CallError(typeof extensions.code === 'string' ? extensions.code : 'INTERNAL_SERVER_ERROR', first.message ?? '', extensions);
  }
  if (!body || !body.data) throw new CallError('NETWORK', `HTTP ${response.status}`);
  return body.data;
}

/** "约 3 分钟" for a wait in seconds. */
export function waitText(seconds) {
  const s = Math.max(1, Math.ceil(Number(seconds) || 60));
  if (s < 60) return `${s} 秒`;
  if (s < 3600) return `${Math.ceil(s / 60)} 分钟`;
  return `${Math.ceil(s / 3600)} 小时`;
}

/** What the resident reads for an error that is not about one field. */
export function errorText(error) {
  switch (error.code) {
    case 'NETWORK':
      return '网络连接失败，请检查网络后重试。您填写的内容仍在本页。';
    case 'RATE_LIMITED':
      return `提交太频繁了，请在约 ${waitText(error.extensions.retryAfterSeconds)}后再试。`;
    case 'UNAUTHENTICATED':
      return '此二维码已失效：社区已更换或停用了这个服务码。请扫描社区最新张贴的二维码。';
    default:
      return '服务暂时出了问题，请稍后再试。';
  }
}

const timeFormat = new Intl.DateTimeFormat('zh-CN', { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });

/** A hub timestamp (ISO 8601) in the phone's time zone, "2026年11月28日 09:12". */
export function formatTime(iso) {
  return iso ? timeFormat.format(new Date(iso)) : '';
}

/** A tracking code shown in groups of four ("H4GB-9GPC-SEDT"); the hub ignores the dashes. */
export function groupCode(code) {
  return code.replace(/(.{4})(?=.)/g, '$1-');
}

/** An element with attributes and children (text is always set as text, never parsed as HTML). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === undefined || value === null) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** Shows (or, with no message, clears) the error under a field and marks its inputs. */
export function setFieldError(errorId, inputs, message) {
  const slot = document.getElementById(errorId);
  slot.textContent = message ?? '';
  slot.hidden = !message;
  for (const input of inputs) {
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}
