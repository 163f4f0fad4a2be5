// The console's calls to the controller: JSON under /ui/api, with the session cookie (sent by the browser) and, for
// anything that changes something, the session's CSRF token in a header.

export class SignInNeeded extends Error {}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let session;

export function currentSession() {
  return session;
}

export async function loadSession() {
  try {
    session = await getJson('/ui/api/session');
  } catch (error) {
    if (error instanceof SignInNeeded) session = undefined;
    else throw error;
  }
  return session;
}

export async function signIn(token) {
  session = await send('POST', '/ui/api/session', { token });
  return session;
}

export async function signOut() {
  await send('DELETE', '/ui/api/session');
  session = undefined;
}

export async function getJson(path) {
  return answer(await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' }), 'GET');
}

export async function send(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (session !== undefined) headers['x-patchline-csrf'] = session.csrf;
  return answer(
    await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
    method,
  );
}

async function answer(response, method) {
  const body = await response.json().catch(() => ({}));
  // A read refused for want of a session sends the user to sign in; a refused sign-in shows its message.
  if (response.status === 401 && method === 'GET') throw new SignInNeeded();
  if (!response.ok) throw new ApiError(response.status, body.message ?? `HTTP ${response.status}`);
  return body;
}
