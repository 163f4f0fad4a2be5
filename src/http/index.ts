export { httpFetch } from './fetch.js';
export type { RetryClock, RetryOptions, RetryPolicy, RetryTarget } from './retry.js';
export {
  fetchWithRetry,
  isRetryableNetworkError,
  isRetryableStatus,
  logRetry,
  networkErrorCode,
  networkErrorMessage,
  nextWait,
  parseRetryAfter,
  retryPolicy,
  systemClock,
} from './retry.js';
export type { RequestTimeouts } from './timeouts.js';
export { DEFAULT_TIMEOUTS, isTimeoutCode, readWithin, timeoutError, timeoutProblem } from './timeouts.js';
