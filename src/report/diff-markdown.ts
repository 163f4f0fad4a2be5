import type { AdvisoryChange, DiffImage, ImageDiff } from '../policy/index.js';
import { GITHUB_COMMENT_LIMIT } from './gate-markdown.js';
import { escapeHtml, escapeMarkdown } from './markdown-escape.js';
import { humanBytes, shortDigest } from './text-table.js';

/**
 * `patchline diff --format markdown`, for a pull-request comment that bumps a base image: a summary line, the fixes
 * gained first (what the update is for), then advisories newly applicable, package changes, kernel and layers. Long
 * lists are folded in <details>; past GitHub's comment limit they are shortened and say how many rows they leave out.
 * Every value from an image or an advisory is escaped (markdown-escape.ts).
 */
export function diffMarkdown(diff: ImageDiff): string {
  for (const limit of [1000, 200, 50, 10, 0]) {
    const text = render(diff, limit);
    if (text.length <= GITHUB_COMMENT_LIMIT) return text;
  }
  return render(diff, 0);
}

function render(diff: ImageDiff, limit: number): string {
  const { packages, advisories } = diff;
  const lines = [
    '## Patchline image diff',
    '',
    `**Old:** ${image(diff.old)}  `,
    `**New:** ${image(diff.new)}`,
    '',
    `- Packages: ${packages.upgraded.length} upgraded, ${packages.downgraded.length} downgraded, ${packages.added.length} added, ${packages.removed.length} removed, ${packages.unchanged} unchanged`,
    `- Kernel: ${kernel(diff)}`,
    advisories.computed
      ? `- Fixes gained: **${advisories.fixesGained.length}**; advisories newly applicable: **${advisories.newlyApplicable.length}**; fixes available but not installed: ${advisories.counts.old['fix-available']} → ${advisories.counts.new['fix-available']}`
      : `- Fixes gained and advisories newly applicable: **not computed** \\(${escapeMarkdown(advisories.reason)}\\)`,
    `- Layers: ${diff.layers.shared.length} shared, ${diff.layers.added.length} added, ${diff.layers.removed.length} removed; size ${humanBytes(diff.layers.bytes.old)} → ${humanBytes(diff.layers.bytes.new)}, an update downloads ${humanBytes(diff.layers.bytes.added)}`,
  ];
  if (advisories.computed) {
    if (advisories.fixesGained.length > 0) {
      lines.push(
        '',
        ...section(
          `Fixes gained (${advisories.fixesGained.length})`,
          ['Package', 'Old', 'New', 'Fixed in', 'Advisory', 'How'],
          advisories.fixesGained.map((change) => [
            label(change.package),
            change.oldVersions.join(', '),
            change.newVersions.length > 0 ? change.newVersions.join(', ') : '(removed)',
            change.fixedVersion ?? '',
            advisoryText(change),
            change.cause,
          ]),
          limit,
          true,
        ),
      );
    }
    if (advisories.newlyApplicable.length > 0) {
      lines.push(
        '',
        ...section(
          `Advisories newly applicable (${advisories.newlyApplicable.length})`,
          ['Package', 'Installed', 'Status', 'Fixed in', 'Advisory', 'Why'],
          advisories.newlyApplicable.map((change) => [
            label(change.package),
            change.newVersions.join(', '),
            change.status,
            change.fixedVersion ?? '',
            advisoryText(change),
            change.cause,
          ]),
          limit,
          true,
        ),
      );
    }
    if (advisories.note) lines.push('', `> ${escapeMarkdown(advisories.note)}`);
  }
  const rows = [
    ...packages.upgraded.map((p) => ['upgraded', label(p), p.from, p.to]),
    ...packages.downgraded.map((p) => ['downgraded', label(p), p.from, p.to]),
    ...packages.added.map((p) => ['added', label(p), '', alongside(p.version, p.alongside)]),
    ...packages.removed.map((p) => ['removed', label(p), p.version, alongside('', p.alongside)]),
  ];
  if (rows.length > 0) {
    lines.push(
      '',
      ...section(`Package changes (${rows.length})`, ['Change', 'Package', 'Old', 'New'], rows, limit, false),
    );
  }
  if (diff.layers.added.length + diff.layers.removed.length > 0) {
    const layerRows = [
      ...diff.layers.added.map((layer) => ['added', shortDigest(layer.digest), humanBytes(layer.size)]),
      ...diff.layers.removed.map((layer) => ['removed', shortDigest(layer.digest), humanBytes(layer.size)]),
    ];
    lines.push('', ...section('Layers changed', ['Change', 'Digest', 'Size'], layerRows, limit, false));
  }
  if (diff.advisories.computed) {
    lines.push('', `<sub>${escapeHtml(`advisory snapshot ${diff.advisories.database.snapshotId}`)}</sub>`);
  }
  return `${lines.join('\n')}\n`;
}

function section(title: string, header: string[], rows: string[][], limit: number, open: boolean): string[] {
  const shown = rows.slice(0, limit);
  const lines = [`<details${open ? ' open' : ''}><summary>${escapeHtml(title)}</summary>`, ''];
  if (shown.length > 0) {
    lines.push(`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`);
    for (const row of shown) lines.push(`| ${row.map(escapeMarkdown).join(' | ')} |`);
  }
  const left = rows.length - shown.length;
  if (left > 0) lines.push('', `…and ${left} more; \`patchline diff --format json\` lists them all\\.`);
  lines.push('', '</details>');
  return lines;
}

function image(value: DiffImage): string {
  const parts = [escapeMarkdown(value.reference)];
  if (value.digest) parts.push(`\\(${shortDigest(value.digest)}\\)`);
  if (value.os?.prettyName) parts.push(escapeMarkdown(value.os.prettyName));
  if (value.bootc) parts.push('bootc');
  return parts.join(' ');
}

function kernel(diff: ImageDiff): string {
  const { kernel: k } = diff;
  const old = escapeMarkdown(k.old ?? '');
  const next = escapeMarkdown(k.new ?? '');
  switch (k.change) {
    case 'upgraded':
    case 'downgraded':
      return `${old} → **${next}** \\(${k.change}\\)`;
    case 'unchanged':
      return `${next} \\(unchanged\\)`;
    case 'added':
      return `${next} \\(old image has no kernel\\)`;
    case 'removed':
      return `${old} \\(new image has no kernel\\)`;
    default:
      return 'neither image has a kernel';
  }
}

function label(pkg: { name: string; arch?: string }): string {
  return pkg.arch ? `${pkg.name}.${pkg.arch}` : pkg.name;
}

function alongside(version: string, others: string[] | undefined): string {
  return others?.length ? `${version} (also ${others.join(', ')})`.trim() : version;
}

function advisoryText(change: AdvisoryChange): string {
  const cves = change.cves.filter((cve) => cve !== change.id);
  return cves.length > 0 ? `${change.id} (${cves.join(', ')})` : change.id;
}
