// qlobber ships no type declarations; this covers the part the broker uses.
declare module 'qlobber' {
  export interface QlobberOptions {
    readonly separator?: string;
    readonly wildcard_one?: string;
    readonly wildcard_some?: string;
    readonly match_empty_levels?: boolean;
    readonly max_words?: number;
    readonly max_wildcard_somes?: number;
  }
  export class QlobberDedup<V = unknown> {
    constructor(options?: QlobberOptions);
    add(topic: string, value: V): this;
    remove(topic: string, value?: V): this;
    match(topic: string): Set<V>;
    test(topic: string, value: V): boolean;
    clear(): this;
  }
}
