import { describe, expect, it } from 'vitest';
import { createSubscription, SubscriptionIndex } from './subscription-index';

const opts = { qos: 1 as const, noLocal: false, retainAsPublished: false, retainHandling: 0 as const, subscriptionId: undefined };

describe('the subscription index', () => {
  it('answers a repeated topic from its cache and still sees every subscription added or removed since', () => {
    const index = new SubscriptionIndex();
    const a = createSubscription('a', 'dev/+/temp', 'dev/+/temp', undefined, opts);
    const b = createSubscription('b', 'dev/#', 'dev/#', undefined, opts);
    expect(index.match('dev/1/temp')).toEqual([]);
    index.add(a);
    expect(index.match('dev/1/temp')).toEqual([a]);
    expect(index.match('dev/1/temp')).toEqual([a]);
    index.add(b);
    expect(new Set(index.match('dev/1/temp'))).toEqual(new Set([a, b]));
    index.remove(a);
    expect(index.match('dev/1/temp')).toEqual([b]);
    index.remove(b);
    expect(index.match('dev/1/temp')).toEqual([]);
  });

  it('matches topics beyond its cache the same way', () => {
    const index = new SubscriptionIndex();
    const all = createSubscription('a', '#', '#', undefined, opts);
    index.add(all);
    for (let i = 0; i < 5_000; i++) expect(index.match(`t/${i}`)).toEqual([all]);
    expect(index.match(`long/${'x'.repeat(1_000)}`)).toEqual([all]);
  });
});
