import { TopiaryError, type ErrorData } from '../../../shared/ipc/errors';

/** A failure as the UI shows it: the contract's error data, or an internal error for anything else. */
export function toErrorData(error: unknown): ErrorData {
  return error instanceof TopiaryError ? error.toData() : { code: 'INTERNAL_ERROR', message: String(error) };
}
