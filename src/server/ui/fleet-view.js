// One fleet's hosts: filtered, sorted and paged by the controller (a fleet may have 10,000 hosts); the query lives in
// the address, so a view can be bookmarked and the back button works.
import { getJson } from './api.js';
import { ago, badge, h, replace, shortDigest } from './dom.js';

const PAGE = 100;
const COLUMNS = [
  { key: 'name', label: 'Host' },
  { key: 'release', label: 'Release' },
  { key: undefined, label: 'Booted' },
  { key: undefined, label: 'Staged' },
  { key: 'health', label: 'Health' },
  { key: 'lastSeen', label: 'Last seen' },
  { key: undefined, label: 'Online' },
  { key: 'rollout', label: 'Rollout state' },
  { key: undefined, label: 'Labels' },
];

export async function renderFleet(main, name, params) {
  const query = {
    q: params.get('q') ?? '',
    show: params.get('show') ?? 'all',
    release: params.get('release') ?? '',
    sort: params.get('sort') ?? 'name',
    dir: params.get('dir') ?? 'asc',
    offset: Number(params.get('offset') ?? 0),
  };
  const search = new URLSearchParams({ ...query, limit: String(PAGE) });
  const page = await getJson(`/ui/api/fleets/${encodeURIComponent(name)}/hosts?${search}`);
  const go = (changes) => {
    const next = new URLSearchParams({ ...query, ...changes });
    for (const [key, value] of [...next]) if (value === '' || (key === 'offset' && value === '0')) next.delete(key);
    location.hash = `#/fleet/${encodeURIComponent(name)}?${next}`;
  };
  const first = page.matched === 0 ? 0 : page.offset + 1;
  const last = Math.min(page.offset + page.limit, page.matched);
  replace(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Fleets'), ' / ', name),
    h('h1', {}, `Fleet ${name}`),
    page.rollout
      ? h(
          'p',
          {},
          'Latest rollout: ',
          h('a', { href: `#/rollout/${encodeURIComponent(page.rollout.name)}` }, page.rollout.name),
          ' ',
          badge(page.rollout.phase ?? 'pending'),
        )
      : null,
    filters(query, page.releases, go),
    h(
      'p',
      { id: 'host-count', role: 'status' },
      `Hosts ${first}–${last} of ${page.matched} matching (${page.total} in the fleet)`,
    ),
    hostTable(page.items, query, go),
    h(
      'nav',
      { class: 'pager', 'aria-label': 'Pages' },
      h(
        'button',
        {
          type: 'button',
          id: 'page-previous',
          disabled: page.offset === 0,
          onclick: () => go({ offset: String(Math.max(0, page.offset - PAGE)) }),
        },
        'Previous page',
      ),
      h(
        'button',
        {
          type: 'button',
          id: 'page-next',
          disabled: last >= page.matched,
          onclick: () => go({ offset: String(page.offset + PAGE) }),
        },
        'Next page',
      ),
    ),
  );
}

function filters(query, releases, go) {
  const q = h('input', { id: 'filter-q', name: 'q', type: 'search', value: query.q, placeholder: 'web-01 or zone=b' });
  const show = h(
    'select',
    { id: 'filter-show', name: 'show' },
    ['all', 'online', 'offline', 'healthy', 'unhealthy', 'unreported'].map((value) =>
      h('option', { value, selected: value === query.show }, value),
    ),
  );
  const release = h(
    'select',
    { id: 'filter-release', name: 'release' },
    h('option', { value: '' }, 'any'),
    [...releases, '-'].map((value) =>
      h('option', { value, selected: value === query.release }, value === '-' ? 'no known release' : value),
    ),
  );
  return h(
    'form',
    {
      class: 'filters',
      role: 'search',
      onsubmit: (event) => {
        event.preventDefault();
        go({ q: q.value, show: show.value, release: release.value, offset: '0' });
      },
    },
    h('label', { for: 'filter-q' }, 'Name or label'),
    q,
    h('label', { for: 'filter-show' }, 'Show'),
    show,
    h('label', { for: 'filter-release' }, 'Release'),
    release,
    h('button', { type: 'submit', id: 'filter-apply' }, 'Filter'),
  );
}

function hostTable(items, query, go) {
  return h(
    'div',
    // It scrolls sideways on narrow screens: focusable, so the keyboard can scroll it too.
    { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Hosts table' },
    h(
      'table',
      { id: 'hosts' },
      h('caption', { class: 'visually-hidden' }, 'Hosts of the fleet'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          COLUMNS.map((column) => {
            if (column.key === undefined) return h('th', { scope: 'col' }, column.label);
            const active = query.sort === column.key;
            const direction = active && query.dir === 'asc' ? 'desc' : 'asc';
            return h(
              'th',
              { scope: 'col', 'aria-sort': active ? (query.dir === 'asc' ? 'ascending' : 'descending') : 'none' },
              h(
                'button',
                {
                  type: 'button',
                  class: 'sort',
                  id: `sort-${column.key}`,
                  onclick: () => go({ sort: column.key, dir: direction, offset: '0' }),
                },
                column.label,
                active ? (query.dir === 'asc' ? ' ▲' : ' ▼') : '',
              ),
            );
          }),
        ),
      ),
      h('tbody', {}, items.map(hostRow)),
    ),
  );
}

function hostRow(host) {
  return h(
    'tr',
    {},
    h('th', { scope: 'row' }, host.name),
    h('td', {}, host.release ? h('a', { href: `#/release/${encodeURIComponent(host.release)}` }, host.release) : '–'),
    h('td', { class: 'mono', title: host.booted ?? '' }, shortDigest(host.booted)),
    h('td', { class: 'mono', title: host.staged ?? '' }, shortDigest(host.staged)),
    h(
      'td',
      {},
      badge(host.health),
      host.failedChecks.length > 0 ? h('span', { class: 'checks' }, ` ${host.failedChecks.join(', ')}`) : null,
    ),
    h('td', {}, ago(host.lastSeen)),
    h('td', {}, host.online ? 'yes' : badge('offline')),
    h('td', {}, host.rolloutState ?? '–'),
    h(
      'td',
      { class: 'labels' },
      Object.entries(host.labels).map(([key, value]) => h('span', { class: 'label' }, `${key}=${value}`)),
    ),
  );
}
