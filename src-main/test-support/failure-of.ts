import { TopiaryError } from '../../shared/ipc/errors';

/** The contract error a request fails with; throws when it succeeds or fails with anything else. */
export async function failureOf(promise: Promise<unknown>): Promise<TopiaryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TopiaryError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}
