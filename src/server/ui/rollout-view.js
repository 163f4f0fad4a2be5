// A rollout, live: batches and their health, the halt and its breakdown, why it waits, the events, and (for an
// admin session) pause, resume, approve and abort, each confirmed with a reason that the controller records.
import { currentSession, getJson, send } from './api.js';
import { announce, badge, h, replace, time } from './dom.js';

const FINAL = new Set(['halted', 'rolled-back', 'succeeded', 'aborted']);

export async function renderRollout(main, name) {
  const path = `/ui/api/rollouts/${encodeURIComponent(name)}`;
  const first = await getJson(path);
  const live = h('div', { id: 'rollout-live' });
  const dialog = actionDialog(name, (view) => draw(view));
  let phase;
  const draw = (view) => {
    replace(live, body(view, dialog));
    if (phase !== undefined && phase !== view.phase) announce(`Rollout ${name} is now ${view.phase}`);
    phase = view.phase;
  };
  replace(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/' }, 'Fleets'), ' / rollout ', name),
    h('h1', {}, `Rollout ${name}`),
    live,
    dialog.element,
  );
  draw(first);
  // Server-sent events: the controller pushes a new view whenever the rollout changes.
  const stream = new EventSource(`${path}/stream`);
  stream.addEventListener('view', (event) => draw(JSON.parse(event.data)));
  return () => stream.close();
}

function body(view, dialog) {
  const admin = currentSession()?.role === 'admin';
  return [
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Phase'),
      h('dd', { id: 'rollout-phase' }, badge(view.phase), view.message ? ` ${view.message}` : ''),
      h('dt', {}, 'Fleet'),
      h('dd', {}, h('a', { href: `#/fleet/${encodeURIComponent(view.fleet)}` }, view.fleet)),
      h('dt', {}, 'Release'),
      h(
        'dd',
        {},
        h('a', { href: `#/release/${encodeURIComponent(view.release)}` }, view.release),
        view.previousRelease
          ? [
              ' (rolls back to ',
              h('a', { href: `#/release/${encodeURIComponent(view.previousRelease)}` }, view.previousRelease),
              ')',
            ]
          : '',
      ),
      h('dt', {}, 'Policy'),
      h(
        'dd',
        {},
        `success threshold ${Math.round(view.successThreshold * 100)}%, on failure ${view.onFailure}, approval ${view.approval}`,
      ),
      h('dt', {}, 'Started'),
      h('dd', {}, time(view.startedAt)),
      view.finishedAt ? [h('dt', {}, 'Finished'), h('dd', {}, time(view.finishedAt))] : null,
    ),
    admin && !FINAL.has(view.phase) ? actions(view, dialog) : null,
    view.waiting.length > 0
      ? h(
          'section',
          { 'aria-labelledby': 'waiting-title', class: 'waiting' },
          h('h2', { id: 'waiting-title' }, 'Why it waits'),
          h(
            'ul',
            { id: 'waiting' },
            view.waiting.map((reason) => h('li', {}, reason)),
          ),
        )
      : null,
    view.halt ? halt(view.halt) : null,
    view.abort
      ? h('p', { class: 'error' }, `Aborted${view.abort.by ? ` by ${view.abort.by}` : ''}: ${view.abort.reason}`)
      : null,
    batches(view),
    events(view.events),
  ];
}

function actions(view, dialog) {
  const buttons = [];
  if (view.phase === 'paused') buttons.push(['resume', 'Resume']);
  else if (view.phase !== 'rolling-back') buttons.push(['pause', 'Pause']);
  if (view.phase !== 'rolling-back') buttons.push(['approve', 'Approve next batch']);
  if (view.phase !== 'rolling-back') buttons.push(['abort', 'Abort']);
  return h(
    'div',
    { class: 'actions', role: 'group', 'aria-label': 'Rollout actions' },
    buttons.map(([action, label]) =>
      h(
        'button',
        {
          type: 'button',
          id: `action-${action}`,
          class: action === 'abort' ? 'danger' : '',
          onclick: () => dialog.open(action, label),
        },
        label,
      ),
    ),
  );
}

function halt(record) {
  const b = record.breakdown;
  return h(
    'section',
    { 'aria-labelledby': 'halt-title', class: 'halt', id: 'halt' },
    h('h2', { id: 'halt-title' }, `Halted at batch ${record.batch}`),
    h('p', { id: 'halt-message' }, record.message),
    h(
      'table',
      {},
      h('caption', {}, `Breakdown (success threshold ${Math.round(record.successThreshold * 100)}%)`),
      h('tbody', {}, breakdownRows(b)),
    ),
    h('p', {}, 'Halted ', time(record.at)),
  );
}

function breakdownRows(b) {
  return [
    ['Hosts', b.total],
    ['Healthy', b.healthy],
    ['Failed', b.failed],
    ['Timed out', b.timedOut],
    ['Not applicable', b.notApplicable],
    ['In progress', b.inProgress],
    ['Waiting', b.waiting],
  ].map(([label, value]) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', { class: 'number' }, value)));
}

function batches(view) {
  return h(
    'section',
    { 'aria-labelledby': 'batches-title' },
    h('h2', { id: 'batches-title' }, 'Batches'),
    h(
      'table',
      { id: 'batches' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Batch', 'Takes', 'Progress', 'Healthy', 'In progress', 'Failed', 'Timed out', 'Waiting', 'Outcome'].map(
            (label) => h('th', { scope: 'col' }, label),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        view.batches.map((batch) => {
          const b = batch.breakdown;
          const applicable = b.total - b.notApplicable;
          const current = batch.index === view.batch && !FINAL.has(view.phase);
          return h(
            'tr',
            { class: current ? 'current' : '', 'data-batch': batch.index },
            h('th', { scope: 'row' }, `${batch.index}${current ? ' (current)' : ''}`),
            h('td', {}, batch.label),
            h(
              'td',
              {},
              h('progress', {
                max: Math.max(applicable, 1),
                value: b.healthy,
                'aria-label': `batch ${batch.index}: ${b.healthy} of ${applicable} healthy`,
              }),
            ),
            h('td', { class: 'number batch-healthy' }, b.healthy),
            h('td', { class: 'number' }, b.inProgress),
            h('td', { class: 'number' }, b.failed),
            h('td', { class: 'number' }, b.timedOut),
            h('td', { class: 'number' }, b.waiting),
            h('td', {}, batch.result ? badge(batch.result.outcome) : '–'),
          );
        }),
      ),
    ),
    view.unplaced > 0 ? h('p', { class: 'muted' }, `${view.unplaced} host(s) not placed in a batch yet`) : null,
  );
}

function events(list) {
  return h(
    'section',
    { 'aria-labelledby': 'events-title' },
    h('h2', { id: 'events-title' }, 'Events (newest first)'),
    h(
      'ul',
      // It scrolls: focusable, so the keyboard can scroll it too.
      { id: 'events', class: 'timeline', tabindex: 0, 'aria-labelledby': 'events-title' },
      list.map((event) => h('li', {}, time(event.at), ' ', eventText(event))),
    ),
  );
}

function eventText(event) {
  switch (event.type) {
    case 'host-state-changed':
      return `${event.host}: ${event.from ?? 'new'} → ${event.to} (${event.reason}${event.detail ? `: ${event.detail}` : ''})`;
    case 'batch-completed':
      return `batch ${event.batch} ${event.outcome}: ${event.breakdown.healthy} of ${event.breakdown.total} healthy`;
    case 'phase-changed':
      return `phase ${event.from ?? 'new'} → ${event.to}${event.message ? `: ${event.message}` : ''}`;
    case 'operator-action':
      return `${event.action}${event.batch === undefined ? '' : ` batch ${event.batch}`} by ${event.by ?? 'someone'}${event.reason ? `: ${event.reason}` : ''}`;
    default:
      return event.type;
  }
}

/** One <dialog> for every action: what it does, a reason (required, recorded in the events) and a confirmation. */
function actionDialog(name, onDone) {
  const title = h('h2', { id: 'action-title' });
  const reason = h('textarea', { id: 'action-reason', name: 'reason', 'aria-required': 'true', rows: 3 });
  const error = h('p', { class: 'error', role: 'alert', id: 'action-error' });
  const confirm = h('button', { type: 'submit', id: 'action-confirm' }, 'Confirm');
  let action;
  const element = h(
    'dialog',
    { 'aria-labelledby': 'action-title', id: 'action-dialog' },
    h(
      'form',
      {
        method: 'dialog',
        onsubmit: async (event) => {
          event.preventDefault();
          if (reason.value.trim() === '') {
            error.textContent = 'Give a reason: it is recorded in the rollout events.';
            reason.focus();
            return;
          }
          confirm.disabled = true;
          try {
            const view = await send('POST', `/ui/api/rollouts/${encodeURIComponent(name)}/${action}`, {
              reason: reason.value,
            });
            element.close();
            onDone(view);
            announce(`${action} done`);
          } catch (failure) {
            error.textContent = failure.message;
          } finally {
            confirm.disabled = false;
          }
        },
      },
      title,
      h('label', { for: 'action-reason' }, 'Reason (recorded with the action)'),
      reason,
      error,
      h(
        'div',
        { class: 'actions' },
        confirm,
        h('button', { type: 'button', id: 'action-cancel', onclick: () => element.close() }, 'Cancel'),
      ),
    ),
  );
  return {
    element,
    open(next, label) {
      action = next;
      title.textContent = `${label}: rollout ${name}`;
      reason.value = '';
      error.textContent = '';
      element.showModal();
      reason.focus();
    },
  };
}
