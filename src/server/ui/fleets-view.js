// Every fleet at a glance: hosts by state, current and rolling release, the open exposure, the rollout under way.
import { getJson } from './api.js';
import { ago, badge, h, replace } from './dom.js';

export async function renderFleets(main) {
  const { fleets } = await getJson('/ui/api/fleets');
  replace(
    main,
    h('h1', {}, 'Fleets'),
    fleets.length === 0 ? h('p', {}, 'No fleet yet: create one with patchline fleet create.') : null,
    h('div', { class: 'cards' }, fleets.map(fleetCard)),
  );
}

function releaseLink(name) {
  return name === undefined || name === null ? '–' : h('a', { href: `#/release/${encodeURIComponent(name)}` }, name);
}

function fleetCard(fleet) {
  const hosts = fleet.hosts;
  const rollout = fleet.rollout;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': `fleet-${fleet.name}` },
    h('h2', { id: `fleet-${fleet.name}` }, h('a', { href: `#/fleet/${encodeURIComponent(fleet.name)}` }, fleet.name)),
    h('p', { class: 'muted' }, fleet.image),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Hosts'),
      h(
        'dd',
        {},
        `${hosts.total} · ${hosts.online} online · ${hosts.offline} offline · ${hosts.unhealthy} unhealthy · ${hosts.unreported} never reported`,
      ),
      h('dt', {}, 'Current release'),
      h('dd', {}, releaseLink(fleet.currentRelease)),
      h('dt', {}, 'Rolling out'),
      h('dd', {}, releaseLink(fleet.rollingRelease)),
      h('dt', {}, 'Open exposure'),
      h('dd', {}, exposureText(fleet.exposure)),
      h('dt', {}, 'Rollout'),
      h(
        'dd',
        {},
        rollout === undefined
          ? 'none'
          : [
              h('a', { href: `#/rollout/${encodeURIComponent(rollout.name)}` }, rollout.name),
              ' ',
              badge(rollout.phase),
              ` batch ${rollout.batch} of 0–${rollout.batches - 1} · `,
              stateText(rollout.states),
            ],
      ),
    ),
    h(
      'table',
      {},
      h('caption', {}, 'Hosts by booted release'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Release'), h('th', { scope: 'col' }, 'Hosts'))),
      h(
        'tbody',
        {},
        fleet.byRelease.map((row) =>
          h(
            'tr',
            {},
            h('td', {}, row.release === '-' ? 'an image no release names' : releaseLink(row.release)),
            h('td', { class: 'number' }, row.hosts),
          ),
        ),
      ),
    ),
  );
}

function exposureText(exposure) {
  const parts = [];
  if (exposure.release) {
    parts.push(releaseLink(exposure.release), ` not booted everywhere, released ${ago(exposure.since)}`);
  } else {
    parts.push('every host that reported boots the newest release');
  }
  if (exposure.openFixes > 0) {
    const first = exposure.oldestOpenFix;
    parts.push(
      `; ${exposure.openFixes} open fix(es) in the ledger, oldest ${first.advisory} (${first.package}) published ${ago(first.published)}`,
    );
  }
  return parts;
}

function stateText(states) {
  const entries = Object.entries(states);
  if (entries.length === 0) return 'no host records yet';
  return entries.map(([state, count]) => `${count} ${state}`).join(', ');
}
