import { isSecretOptionKey, NON_OPTION_KEYS } from '../../../shared/ipc/profiles';

/** A secret option's value: text (passwords, PEM keys) or bytes (PKCS#12, DER keys). */
export type SecretValue = string | Uint8Array;

/** Options with their secrets lifted out, keyed by dotted path ("password", "tls.key", "servers.1.password"). */
export interface SplitOptions {
  readonly options: Record<string, unknown>;
  readonly secrets: ReadonlyMap<string, SecretValue>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/**
 * Lifts every secret option out of a connect-options object. Empty secrets are dropped, not
 * lifted: an empty password field in a form means "unchanged", never "store an empty secret".
 */
export function splitSecrets(options: Readonly<Record<string, unknown>>): SplitOptions {
  const secrets = new Map<string, SecretValue>();
  const walk = (value: unknown, path: readonly string[]): unknown => {
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, String(i)]));
    if (!isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (child === undefined) continue;
      if (NON_OPTION_KEYS.has(key)) {
        out[key] = child;
        continue;
      }
      if (isSecretOptionKey(key) && (typeof child === 'string' || child instanceof Uint8Array)) {
        if (child.length > 0) secrets.set([...path, key].join('.'), child);
        continue;
      }
      out[key] = walk(child, [...path, key]);
    }
    return out;
  };
  return { options: walk(options, []) as Record<string, unknown>, secrets };
}

/** Puts secrets back at their paths, creating the objects (or arrays, for numeric steps) on the way. */
export function mergeSecrets(options: Readonly<Record<string, unknown>>, secrets: ReadonlyMap<string, SecretValue>): Record<string, unknown> {
  const root = structuredCloneOptions(options);
  for (const [path, value] of secrets) {
    const steps = path.split('.');
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < steps.length - 1; i++) {
      const step = steps[i] as string;
      const nextIsIndex = /^\d+$/.test(steps[i + 1] as string);
      const current = (node as Record<string, unknown>)[step];
      if (typeof current !== 'object' || current === null) {
        (node as Record<string, unknown>)[step] = nextIsIndex ? [] : {};
      }
      node = (node as Record<string, unknown>)[step] as Record<string, unknown> | unknown[];
    }
    (node as Record<string, unknown>)[steps[steps.length - 1] as string] = value;
  }
  return root;
}

// structuredClone keeps Uint8Array as Uint8Array, which JSON round-trips would not.
function structuredCloneOptions(options: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return structuredClone(options) as Record<string, unknown>;
}
