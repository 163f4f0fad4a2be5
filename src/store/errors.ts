import { type ErrorKind, PatchlineError } from '../core/index.js';
/**
 * Why the store refused a change. The reasons are Kubernetes Status reasons, so the server passes them on as they are.
 */
export type StoreErrorReason = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid' | 'Unauthorized' | 'Forbidden';

const KIND: Record<StoreErrorReason, ErrorKind> = {
  NotFound: 'not-found',
  AlreadyExists: 'input',
  Conflict: 'input',
  Invalid: 'input',
  Unauthorized: 'auth',
  Forbidden: 'auth',
};

/** A PatchlineError about the controller's store; its message is the Status message the API answers with. */
export class StoreError extends PatchlineError {
  readonly reason: StoreErrorReason;

  constructor(reason: StoreErrorReason, message: string) {
    super(KIND[reason], 'controller store', message, { message });
    this.name = 'StoreError';
    this.reason = reason;
  }
}

export function isStoreError(error: unknown): error is StoreError {
  return error instanceof StoreError;
}
