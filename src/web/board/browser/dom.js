// Small DOM helpers: elements are built with textContent only, never from HTML strings.

/** `el('div', { class: 'x', data: { unit: code } }, child, 'text')` */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (name === 'class') node.className = value;
    else if (name === 'data') for (const [key, v] of Object.entries(value)) node.dataset[key] = String(v);
    else if (name === 'text') node.textContent = String(value);
    else if (name === 'on') for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    else node.setAttribute(name, String(value));
  }
  node.append(...children.filter((child) => child !== undefined && child !== null));
  return node;
}

export function byId(id) {
  return document.getElementById(id);
}

const pad = (n) => String(n).padStart(2, '0');

/** HH:MM in the viewer's clock. */
export function hhmm(iso) {
  const date = new Date(iso);
  return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** How long ago, in words: 刚刚, 5 分钟, 3 小时, 2 天. */
export function ago(iso, now = Date.now()) {
  const minutes = Math.max(0, Math.round((now - new Date(iso).getTime()) / 60_000));
  if (minutes < 1) return '刚刚';
  if (minutes < 60) return `${minutes} 分钟`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} 小时`;
  return `${Math.round(minutes / 1440)} 天`;
}

/** Calls `fn` at most once per `ms`, with the last arguments. */
export function throttle(fn, ms) {
  let timer;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
  };
}
