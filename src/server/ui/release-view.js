// A release: its image, the gate's verdict and evidence, what it fixes, and how it compares with the one before.
import { getJson } from './api.js';
import { badge, h, replace, time } from './dom.js';

export async function renderRelease(main, name) {
  const release = await getJson(`/ui/api/releases/${encodeURIComponent(name)}`);
  const gate = release.gate;
  replace(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Fleets'), ' / release ', name),
    h('h1', {}, `Release ${name}`),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Fleet'),
      h('dd', {}, h('a', { href: `#/fleet/${encodeURIComponent(release.fleet)}` }, release.fleet)),
      h('dt', {}, 'Image'),
      h('dd', { class: 'mono wrap' }, release.image),
      release.platformDigests.length > 0
        ? [h('dt', {}, 'Platform digests'), h('dd', { class: 'mono wrap' }, release.platformDigests.join(' '))]
        : null,
      h('dt', {}, 'Created'),
      h('dd', {}, time(release.createdAt)),
      h('dt', {}, 'Gate verdict'),
      h(
        'dd',
        { id: 'gate-verdict' },
        gate === undefined ? badge('no verdict', 'unknown') : badge(gate.passed ? 'passed' : 'failed'),
      ),
      h('dt', {}, 'Evidence'),
      h(
        'dd',
        { class: 'wrap' },
        gate?.evidence
          ? [
              h('span', { class: 'mono' }, gate.evidence),
              ' (sha256 of the evidence document; the document stays with the gate run)',
            ]
          : 'none recorded',
      ),
      release.force
        ? [
            h('dt', {}, 'Forced'),
            h('dd', {}, `${release.force.reason}${release.force.by ? ` (by ${release.force.by})` : ''}`),
          ]
        : null,
      h('dt', {}, 'May roll out'),
      h('dd', {}, release.blockers.length === 0 ? 'yes' : release.blockers.join('; ')),
    ),
    h(
      'section',
      { 'aria-labelledby': 'diff-title' },
      h('h2', { id: 'diff-title' }, 'Image diff against the previous release'),
      release.previous
        ? [
            h(
              'p',
              {},
              'Previous release: ',
              h('a', { href: `#/release/${encodeURIComponent(release.previous.name)}` }, release.previous.name),
              ' ',
              h('span', { class: 'mono' }, release.previous.digest),
            ),
            h(
              'p',
              {},
              'The controller does not keep image diffs. Compare the two images with: ',
              h('code', {}, `patchline diff ${release.repository}@${release.previous.digest} ${release.image}`),
            ),
          ]
        : h('p', {}, 'This is the fleet’s first release: there is nothing to compare it with.'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'fixes-title' },
      h('h2', { id: 'fixes-title' }, 'Fixes it carries (exposure ledger)'),
      release.fixes.length === 0
        ? h('p', {}, 'The exposure ledger names no fix for this release.')
        : h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Advisory', 'Package', 'Fixed version', 'State'].map((label) => h('th', { scope: 'col' }, label)),
              ),
            ),
            h(
              'tbody',
              {},
              release.fixes.map((fix) =>
                h(
                  'tr',
                  {},
                  h('td', {}, fix.advisory),
                  h('td', {}, fix.package),
                  h('td', {}, fix.fixedVersion ?? '–'),
                  h('td', {}, badge(fix.state)),
                ),
              ),
            ),
          ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'rollouts-title' },
      h('h2', { id: 'rollouts-title' }, 'Rollouts and pipeline runs'),
      h(
        'ul',
        {},
        release.rollouts.map((rollout) =>
          h(
            'li',
            {},
            h('a', { href: `#/rollout/${encodeURIComponent(rollout.name)}` }, rollout.name),
            ' ',
            badge(rollout.phase),
          ),
        ),
        release.runs.map((run) =>
          h(
            'li',
            {},
            `pipeline ${run.pipeline}, run ${run.name}: ${run.outcome ?? 'running'}${run.evidence ? `, evidence ${run.evidence}` : ''}`,
          ),
        ),
        release.rollouts.length + release.runs.length === 0 ? h('li', {}, 'none') : null,
      ),
    ),
  );
}
