// Issue 17's exposure view: per fleet, the fixes not yet on every host (oldest first), and how long the closed ones
// took by week of closing (p50 and p95) as a chart. The chart is SVG made with DOM calls: geometry in attributes,
// colours in console.css (the CSP forbids style attributes); a visually hidden table says the same in text.
import { getJson } from './api.js';
import { badge, h, replace, time } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 640;
const HEIGHT = 240;
const MARGIN = { top: 12, right: 40, bottom: 36, left: 52 };
const HOUR = 3600;
const DAY = 86400;

export async function renderExposure(main) {
  const { fleets } = await getJson('/ui/api/exposure');
  replace(
    main,
    h('h1', {}, 'Exposure'),
    h(
      'p',
      { class: 'muted' },
      'A fix is exposed from its publication until the last host of the fleet boots it (the exposure ledger).',
    ),
    fleets.length === 0 ? h('p', {}, 'No fleet yet: create one with patchline fleet create.') : null,
    fleets.map(fleetSection),
  );
}

function fleetSection(fleet) {
  const id = `exposure-${fleet.fleet}`;
  return h(
    'section',
    { class: 'exposure-fleet', id, 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title` }, h('a', { href: `#/fleet/${encodeURIComponent(fleet.fleet)}` }, fleet.fleet)),
    openTable(fleet),
    h('h3', {}, 'Closed exposure windows by week of closing'),
    fleet.closedWeeks.length === 0 ? h('p', {}, 'No exposure of this fleet has closed yet.') : windowChart(fleet),
  );
}

function openTable(fleet) {
  if (fleet.open.length === 0) return h('p', {}, 'No open fix: every fix the ledger knows is on every host.');
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'open-fixes' },
      h('caption', {}, `Open fixes, oldest first (${fleet.open.length})`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Advisory', 'CVEs', 'Package', 'Published', 'Available', 'State', 'Age'].map((label) =>
            h('th', { scope: 'col' }, label),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        fleet.open.map((fix) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, fix.advisory),
            h('td', { class: 'wrap' }, fix.cves.length === 0 ? '–' : fix.cves.join(' ')),
            h('td', {}, fix.fixedVersion ? `${fix.package} ${fix.fixedVersion}` : fix.package),
            h('td', {}, time(fix.published)),
            h('td', {}, time(fix.available)),
            h('td', {}, badge(fix.state), fix.note ? h('span', { class: 'muted' }, ` ${fix.note}`) : null),
            h('td', { class: 'number' }, fix.age),
          ),
        ),
      ),
    ),
  );
}

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children.flat());
  return element;
}

/** The y axis in hours up to two days, else in days; four whole steps up to at least the largest p95. */
function scale(weeks) {
  const largest = Math.max(...weeks.map((week) => week.p95Seconds), 1);
  const unit = largest > 2 * DAY ? { seconds: DAY, suffix: 'd' } : { seconds: HOUR, suffix: 'h' };
  const step = Math.max(1, Math.ceil(largest / unit.seconds / 4));
  return { unit, top: 4 * step * unit.seconds, ticks: [0, 1, 2, 3, 4].map((index) => index * step) };
}

function windowChart(fleet) {
  const weeks = fleet.closedWeeks;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const { unit, top, ticks } = scale(weeks);
  const first = Date.parse(weeks[0].week);
  const span = Date.parse(weeks[weeks.length - 1].week) - first;
  // Weeks sit at their place in time: a week without a closing leaves a gap rather than vanishing.
  const x = (week) => MARGIN.left + (span === 0 ? plotWidth / 2 : ((Date.parse(week) - first) / span) * plotWidth);
  const y = (seconds) => MARGIN.top + plotHeight - (seconds / top) * plotHeight;
  const labelEvery = Math.ceil(weeks.length / 6);

  const grid = ticks.map((tick) =>
    svg(
      'g',
      { class: 'chart-tick' },
      svg('line', {
        x1: MARGIN.left,
        x2: WIDTH - MARGIN.right,
        y1: y(tick * unit.seconds),
        y2: y(tick * unit.seconds),
      }),
      svg('text', { x: MARGIN.left - 6, y: y(tick * unit.seconds) + 4, 'text-anchor': 'end' }, `${tick}${unit.suffix}`),
    ),
  );
  const labels = weeks
    // Counted from the newest week, which always has its label.
    .filter((_, index) => (weeks.length - 1 - index) % labelEvery === 0)
    .map((week) =>
      svg('text', { class: 'chart-label', x: x(week.week), y: HEIGHT - 14, 'text-anchor': 'middle' }, week.week),
    );
  const series = (key, name) =>
    svg(
      'g',
      { class: `chart-series series-${name}`, 'data-series': name },
      svg('polyline', { points: weeks.map((week) => `${x(week.week)},${y(week[key])}`).join(' ') }),
      weeks.map((week) => svg('circle', { cx: x(week.week), cy: y(week[key]), r: 3.5, 'data-week': week.week })),
    );
  const last = weeks[weeks.length - 1];
  const summary = `Closed exposure windows of ${fleet.fleet}, ${weeks.length} week(s) from ${weeks[0].week} to ${last.week}; the week of ${last.week}: p50 ${last.p50}, p95 ${last.p95}. The table that follows has every week.`;
  const tableId = `exposure-${fleet.fleet}-weeks`;

  return h(
    'figure',
    { class: 'chart' },
    svg(
      'svg',
      {
        class: 'window-chart',
        viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
        role: 'img',
        'aria-label': summary,
        'aria-describedby': tableId,
      },
      ...grid,
      ...labels,
      series('p95Seconds', 'p95'),
      series('p50Seconds', 'p50'),
    ),
    h(
      'figcaption',
      { class: 'legend' },
      h('span', { class: 'swatch swatch-p50' }),
      ' p50 (median) ',
      h('span', { class: 'swatch swatch-p95' }),
      ' p95, of the windows (publication to the last host) closed in each week',
    ),
    h(
      'table',
      { class: 'visually-hidden', id: tableId },
      h('caption', {}, `Closed exposure windows of ${fleet.fleet} by week of closing`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Week of', 'Closed', 'p50', 'p95'].map((label) => h('th', { scope: 'col' }, label)),
        ),
      ),
      h(
        'tbody',
        {},
        weeks.map((week) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, week.week),
            h('td', {}, week.closed),
            h('td', {}, week.p50),
            h('td', {}, week.p95),
          ),
        ),
      ),
    ),
  );
}
