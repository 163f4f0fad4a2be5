/**
 * Why the store refused a change. The reasons are Kubernetes Status reasons, so the server passes them on as they are.
 */
export type StoreErrorReason = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid' | 'Unauthorized' | 'Forbidden';

export class StoreError extends Error {
  readonly reason: StoreErrorReason;

  constructor(reason: StoreErrorReason, message: string) {
    super(message);
    this.name = 'StoreError';
    this.reason = reason;
  }
}

export function isStoreError(error: unknown): error is StoreError {
  return error instanceof StoreError;
}
