import type { z } from 'zod';

/**
 * One request of the contract: the schema its argument must pass where it enters the core,
 * and (as a type only) what it resolves to. Results come from the core and are not re-checked.
 */
export interface RequestSpec<A extends z.ZodType, R> {
  readonly arg: A;
  /** Never set; carries the result type. */
  readonly result?: R;
}

/** Declares a request: `request<Result>()(argSchema)`, so the result type is named and the argument inferred. */
export function request<R>(): <A extends z.ZodType>(arg: A) => RequestSpec<A, R> {
  return (arg) => ({ arg });
}

export type AnyRequestSpec = RequestSpec<z.ZodType, unknown>;

/** What a caller passes. */
export type ArgOf<S> = S extends RequestSpec<infer A, unknown> ? z.input<A> : never;
/** What a handler receives, after validation and defaults. */
export type ParsedArgOf<S> = S extends RequestSpec<infer A, unknown> ? z.output<A> : never;
export type ResultOf<S> = S extends RequestSpec<z.ZodType, infer R> ? R : never;

/** Marks a schema failure with the error code users should see (QOS_ERROR, TOPIC_ERROR, ...). */
export function issueCode(code: string): { readonly params: { readonly code: string } } {
  return { params: { code } };
}
