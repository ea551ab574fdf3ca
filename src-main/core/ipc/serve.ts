import type { z } from 'zod';
import { isMethod, requests, type CallContext, type Handlers, type Method } from '../../../shared/ipc/contract';
import { ERROR_CODES, TopiaryError, type ErrorCode, type ErrorData } from '../../../shared/ipc/errors';
import type { Frame, Wire } from '../../../shared/ipc/wire';
import { issueSentence } from './validation-message';

/** The handlers of one domain's requests (`explorer.*`, …): what each domain's `<domain>Handlers(service)` returns. */
export type DomainHandlers<Domain extends string> = Pick<Handlers, Extract<Method, `${Domain}.${string}`>>;

/** Turns the first schema issue into the error a user can act on. */
export function validationError(error: z.ZodError): ErrorData {
  const issues = error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  const first = error.issues[0];
  const declared = (first as { params?: { code?: unknown } } | undefined)?.params?.code;
  const code: ErrorCode =
    typeof declared === 'string' && (ERROR_CODES as readonly string[]).includes(declared) ? (declared as ErrorCode) : 'VALIDATION_ERROR';
  // The path stays in details for programs; the message is for people.
  return { code, message: first ? issueSentence(first) : 'The request is not valid.', details: { issues } };
}

function toErrorData(error: unknown): ErrorData {
  if (error instanceof TopiaryError) return error.toData();
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL_ERROR', message: `Topiary hit an unexpected error: ${message}` };
}

function isRequestFrame(value: unknown): value is Extract<Frame, { kind: 'request' }> {
  if (typeof value !== 'object' || value === null) return false;
  const f = value as Record<string, unknown>;
  return f.kind === 'request' && typeof f.id === 'number' && Number.isSafeInteger(f.id) && typeof f.method === 'string';
}

/**
 * Answers requests arriving over a wire. Every argument is checked against the contract's schema
 * here, where it enters the core: a wire may be a network socket.
 */
export function serve(wire: Wire, handlers: Handlers, context: CallContext): () => void {
  return wire.onFrame((frame: unknown) => {
    if (!isRequestFrame(frame)) return;
    const { id, method } = frame;
    void (async () => {
      try {
        if (!isMethod(method)) {
          throw new TopiaryError('UNKNOWN_METHOD', `The core has no request named "${method.slice(0, 100)}".`);
        }
        const parsed = requests[method].arg.safeParse(frame.arg);
        if (!parsed.success) {
          wire.send({ kind: 'failure', id, error: validationError(parsed.error) });
          return;
        }
        const handler = handlers[method] as (arg: unknown, context: CallContext) => unknown;
        const result = await handler(parsed.data, context);
        wire.send({ kind: 'response', id, result: result ?? null });
      } catch (error) {
        wire.send({ kind: 'failure', id, error: toErrorData(error) });
      }
    })();
  });
}
