import { Agent, fetch as undiciFetch } from 'undici';
import { networkErrorCode } from './retry.js';
import { DEFAULT_TIMEOUTS, isTimeoutCode, type RequestTimeouts, timeoutError, timeoutProblem } from './timeouts.js';

/**
 * Connection pools by the timeouts they enforce. undici's Agent bounds connecting, the wait for response headers (it
 * starts once the request body is sent, so an upload is not cut short) and the wait between body chunks; Node's
 * own fetch takes a dispatcher too, but fetch and Agent from one undici package cannot disagree on its interface,
 * whichever undici a Node release bundles (docs/decisions/0071-one-http-client.md).
 */
const agents = new Map<string, Agent>();

function agentFor(timeouts: RequestTimeouts): Agent {
  const key = `${timeouts.connectMs}/${timeouts.responseMs}/${timeouts.idleMs}`;
  let agent = agents.get(key);
  if (agent === undefined) {
    agent = new Agent({
      connectTimeout: timeouts.connectMs,
      headersTimeout: timeouts.responseMs,
      bodyTimeout: timeouts.idleMs,
    });
    agents.set(key, agent);
  }
  return agent;
}

/**
 * fetch within bounds: every outbound request of Patchline goes through here (a registry blob's body through
 * streamedGet, for speed), so none can hang on a silent server. A timeout before the answer throws an error carrying
 * the undici code (which the retry policy retries) and a message saying which bound was hit; the caller names the URL.
 */
export async function httpFetch(
  url: string | URL,
  init: RequestInit = {},
  timeouts: Partial<RequestTimeouts> = {},
): Promise<Response> {
  const bounds = { ...DEFAULT_TIMEOUTS, ...timeouts };
  // An answer due within responseMs cannot have longer to connect (the gateway asks for one within 4 s).
  bounds.connectMs = Math.min(bounds.connectMs, bounds.responseMs);
  try {
    // undici's Request options are Node's own (both from undici); only its types are declared apart.
    return (await undiciFetch(url, { ...init, dispatcher: agentFor(bounds) } as never)) as unknown as Response;
  } catch (error) {
    const code = networkErrorCode(error);
    if (isTimeoutCode(code)) throw timeoutError(code, timeoutProblem(code, bounds));
    throw error;
  }
}
