// Building elements from data, never from HTML strings: every text from the controller lands in textContent.

/** h('a', { href: '#/', class: 'x', onclick: fn }, 'text', child) */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else if (name === 'value') element.value = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces what a container shows, keeping keyboard focus on the control that had it (by id). */
export function replace(container, ...children) {
  const focused = document.activeElement?.id;
  container.replaceChildren();
  append(container, children);
  if (focused) document.getElementById(focused)?.focus();
}

export function shortDigest(digest) {
  if (digest === undefined || digest === null) return '–';
  const [algorithm, hex] = digest.split(':');
  return `${algorithm}:${(hex ?? '').slice(0, 12)}`;
}

/** "3m ago", "2d ago": how long since an RFC 3339 time. */
export function ago(time, now = Date.now()) {
  if (time === undefined || time === null) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(time)) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86400)}d ago`;
}

export function time(text) {
  if (text === undefined || text === null) return '–';
  return h('time', { datetime: text }, text.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'));
}

export function announce(text) {
  const region = document.getElementById('announce');
  if (region) region.textContent = text;
}

export function badge(text, kind = text) {
  return h('span', { class: `badge badge-${kind}` }, text);
}
