// A release: its image, the gate's verdict and evidence, what it fixes, and how it compares with the one before.
import { getJson } from './api.js';
import { ago, badge, h, replace, time } from './dom.js';

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
          ? [h('span', { class: 'mono' }, gate.evidence), ' (sha256 of the evidence document)']
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
    evidenceSection(release),
    diffSection(release),
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

function evidenceSection(release) {
  const evidence = release.evidence;
  const url = `/ui/api/releases/${encodeURIComponent(release.name)}/evidence`;
  const body = [];
  if (evidence === undefined) {
    body.push(
      h(
        'p',
        { id: 'no-evidence' },
        'No evidence document was sent with this release',
        release.gate?.evidence ? ': the controller has only its sha256, above.' : '.',
      ),
    );
  } else {
    body.push(
      h(
        'p',
        {},
        'Verdict ',
        badge(evidence.verdict === 'pass' ? 'passed' : 'failed'),
        ` by ${evidence.tool} at `,
        time(evidence.evaluatedAt),
        `, policy ${evidence.policy.name} (`,
        h('span', { class: 'mono' }, evidence.policy.digest),
        `), advisory snapshot ${evidence.database.snapshotId}.`,
      ),
      h(
        'table',
        {},
        h('caption', {}, 'Policy rules'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Rule', 'Outcome', 'Message'].map((label) => h('th', { scope: 'col' }, label)),
          ),
        ),
        h(
          'tbody',
          {},
          evidence.rules.map((rule) =>
            h(
              'tr',
              {},
              h('td', { class: 'mono' }, rule.rule),
              h('td', {}, badge(rule.outcome, outcomeKind(rule.outcome))),
              h('td', {}, rule.message),
            ),
          ),
        ),
      ),
      h(
        'p',
        {},
        h(
          'a',
          { href: url, download: `${release.name}.evidence.json`, id: 'evidence-download' },
          'Download the evidence document',
        ),
        ` (${evidence.bytes} bytes, exactly as hashed: `,
        h('code', {}, 'sha256sum'),
        ' gives the digest above).',
      ),
      documentDetails(url),
    );
  }
  return h(
    'section',
    { 'aria-labelledby': 'evidence-title' },
    h('h2', { id: 'evidence-title' }, 'Gate evidence'),
    body,
  );
}

function outcomeKind(outcome) {
  if (outcome === 'pass') return 'passed';
  if (outcome === 'fail') return 'failed';
  return 'unknown';
}

// The document is fetched when first opened: it can be megabytes, and most visits only need the summary.
function documentDetails(url) {
  const pre = h('pre', { class: 'document', tabindex: '0', 'aria-label': 'The evidence document' }, 'Loading…');
  let loaded = false;
  const details = h('details', { id: 'evidence-document' }, h('summary', {}, 'The evidence document'), pre);
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    loaded = true;
    try {
      const response = await fetch(url, { credentials: 'same-origin' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      pre.textContent = JSON.stringify(JSON.parse(await response.text()), null, 2);
    } catch (error) {
      loaded = false;
      pre.textContent = `The document could not be read (${error.message}).`;
    }
  });
  return details;
}

function diffSection(release) {
  const diff = release.diff;
  const body = [];
  if (release.previous) {
    body.push(
      h(
        'p',
        {},
        'Previous release: ',
        h('a', { href: `#/release/${encodeURIComponent(release.previous.name)}` }, release.previous.name),
        ' ',
        h('span', { class: 'mono' }, release.previous.digest),
      ),
    );
  }
  if (diff === undefined) {
    body.push(
      release.previous
        ? h(
            'p',
            { id: 'no-diff' },
            'No image diff was sent with this release. Compare the two images with: ',
            h('code', {}, `patchline diff ${release.repository}@${release.previous.digest} ${release.image}`),
          )
        : h('p', { id: 'no-diff' }, 'This is the fleet’s first release: there is nothing to compare it with.'),
    );
  } else {
    const kernel =
      diff.kernel.change === 'none' || diff.kernel.change === 'unchanged'
        ? null
        : h('p', {}, `Kernel ${diff.kernel.change}: ${diff.kernel.old ?? '–'} → ${diff.kernel.new ?? '–'}.`);
    body.push(
      diff.advisoriesSkipped
        ? h('p', {}, `Advisories were not compared: ${diff.advisoriesSkipped}.`)
        : [
            findingsTable(
              'fixes-shipped',
              `Fixes shipped (${diff.fixesShipped.length}), the longest waiting first`,
              diff.fixesShipped,
              true,
            ),
            findingsTable('new-findings', `New findings (${diff.newFindings.length})`, diff.newFindings, false),
          ],
      kernel,
      packagesTable(diff),
    );
  }
  return h(
    'section',
    { 'aria-labelledby': 'diff-title' },
    h('h2', { id: 'diff-title' }, 'Image diff against the previous release'),
    body,
  );
}

function findingsTable(id, title, findings, shipped) {
  if (findings.length === 0) return [h('h3', { id }, title), h('p', {}, 'None.')];
  const now = Date.now();
  return [
    h('h3', { id }, title),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { 'aria-labelledby': id },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Advisory', 'CVEs', 'Package', 'Before', 'After', shipped ? 'Fix available since' : 'Status'].map(
              (label) => h('th', { scope: 'col' }, label),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          findings.map((finding) =>
            h(
              'tr',
              {},
              h('td', {}, finding.id),
              h('td', {}, finding.cves.join(', ') || '–'),
              h('td', {}, finding.package),
              h('td', { class: 'mono' }, finding.from || '–'),
              h('td', { class: 'mono' }, finding.to || 'removed'),
              h(
                'td',
                {},
                shipped
                  ? finding.fixAvailableSince
                    ? [time(finding.fixAvailableSince), ` (${ago(finding.fixAvailableSince, now)})`]
                    : '–'
                  : badge(finding.status, finding.status === 'fix-available' ? 'open' : 'unknown'),
              ),
            ),
          ),
        ),
      ),
    ),
  ];
}

function packagesTable(diff) {
  const title = `Package changes (${diff.packages.length}; ${diff.unchangedPackages} unchanged)`;
  if (diff.packages.length === 0) return [h('h3', { id: 'package-changes' }, title), h('p', {}, 'None.')];
  return [
    h('h3', { id: 'package-changes' }, title),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { 'aria-labelledby': 'package-changes' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Change', 'Package', 'Before', 'After'].map((label) => h('th', { scope: 'col' }, label)),
          ),
        ),
        h(
          'tbody',
          {},
          diff.packages.map((pkg) =>
            h(
              'tr',
              {},
              h('td', {}, pkg.change),
              h('td', {}, pkg.arch ? `${pkg.name}.${pkg.arch}` : pkg.name),
              h('td', { class: 'mono' }, pkg.from ?? '–'),
              h('td', { class: 'mono' }, pkg.to ?? '–'),
            ),
          ),
        ),
      ),
    ),
  ];
}
