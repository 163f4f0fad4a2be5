// The console's entry: the session, the hash router (#/, #/fleet/NAME, #/rollout/NAME, #/release/NAME, #/exposure)
// and sign-in.
import { ApiError, currentSession, loadSession, SignInNeeded, signIn, signOut } from './api.js';
import { h, replace } from './dom.js';
import { renderExposure } from './exposure-view.js';
import { renderFleet } from './fleet-view.js';
import { renderFleets } from './fleets-view.js';
import { renderRelease } from './release-view.js';
import { renderRollout } from './rollout-view.js';

const main = document.getElementById('main');
/** The open view's clean-up (a live stream to close), run before the next view renders. */
let leave = () => {};

function route() {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = path
    .split('/')
    .filter((part) => part !== '')
    .map(decodeURIComponent);
  const params = new URLSearchParams(query);
  if (parts[0] === 'fleet' && parts[1]) return { view: renderFleet, name: parts[1], params };
  if (parts[0] === 'rollout' && parts[1]) return { view: renderRollout, name: parts[1], params };
  if (parts[0] === 'release' && parts[1]) return { view: renderRelease, name: parts[1], params };
  if (parts[0] === 'exposure') return { view: renderExposure, params };
  return { view: renderFleets, params };
}

async function show({ keepFocus = false } = {}) {
  leave();
  leave = () => {};
  if (currentSession() === undefined && (await loadSession()) === undefined) {
    renderSignIn();
    return;
  }
  renderWho();
  const { view, name, params } = route();
  try {
    leave = (await view(main, name, params, () => show({ keepFocus: true }))) ?? (() => {});
    if (!keepFocus) main.focus();
  } catch (error) {
    if (error instanceof SignInNeeded) {
      renderSignIn();
      return;
    }
    replace(main, h('h1', {}, 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, error.message));
  }
}

function renderWho() {
  const who = document.getElementById('who');
  const session = currentSession();
  replace(
    who,
    h('span', {}, session.role === 'admin' ? 'Signed in as admin' : 'Signed in as viewer (read-only)'),
    ' ',
    h(
      'button',
      {
        type: 'button',
        class: 'link',
        onclick: async () => {
          await signOut();
          replace(who);
          renderSignIn();
        },
      },
      'Sign out',
    ),
  );
}

function renderSignIn() {
  const error = h('p', { class: 'error', role: 'alert', id: 'sign-in-error' });
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    'aria-describedby': 'token-hint sign-in-error',
  });
  const form = h(
    'form',
    {
      class: 'sign-in',
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          await signIn(input.value);
          await show();
        } catch (failure) {
          error.textContent = failure instanceof ApiError ? failure.message : String(failure);
          input.focus();
        }
      },
    },
    h('label', { for: 'token' }, 'Token'),
    input,
    h('p', { id: 'token-hint', class: 'hint' }, 'The admin token, or the read-only viewer token.'),
    h('button', { type: 'submit' }, 'Sign in'),
    error,
  );
  replace(main, h('h1', {}, 'Sign in to Patchline'), form);
  input.focus();
}

window.addEventListener('hashchange', () => void show());
void show();
