/** One profile read from a foreign file, before the store checks it against the connect schema. */
export interface ImportCandidate {
  readonly name: string;
  readonly folder: string;
  /** Connect options, secrets included (the store seals them). */
  readonly options: Record<string, unknown>;
  /** What could not be carried over, in sentences. */
  readonly warnings: readonly string[];
}

/** What an importer made of a file: candidates, and entries it could not read at all. */
export interface ForeignImport {
  readonly candidates: readonly ImportCandidate[];
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

export function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

export function qos(value: unknown): 0 | 1 | 2 | undefined {
  const n = num(value);
  return n === 0 || n === 1 || n === 2 ? n : undefined;
}

/** IPv6 hosts need brackets in a URL. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** MQTT 5 user properties as name/value pairs, from the object forms other tools store ({k: v} or {k: [v1, v2]}). */
export function userPropertyPairs(value: unknown): [string, string][] | undefined {
  if (Array.isArray(value)) {
    const pairs = value
      .map((item): [string, string] | undefined => {
        if (Array.isArray(item) && item.length === 2) return [String(item[0]), String(item[1])];
        if (isRecord(item) && 'key' in item) return [String(item.key), String(item.value ?? '')];
        return undefined;
      })
      .filter((p): p is [string, string] => p !== undefined);
    return pairs.length > 0 ? pairs : undefined;
  }
  if (!isRecord(value)) return undefined;
  const pairs: [string, string][] = [];
  for (const [k, v] of Object.entries(value)) {
    if (Array.isArray(v)) for (const item of v) pairs.push([k, String(item)]);
    else if (v !== undefined && v !== null) pairs.push([k, String(v)]);
  }
  return pairs.length > 0 ? pairs : undefined;
}

/** Drops undefined fields so the options read like something a person wrote. */
export function compact<T extends Record<string, unknown>>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out as T;
}
