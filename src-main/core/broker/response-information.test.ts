import { describe, expect, it } from 'vitest';
import { isValidTopicName } from './topic';
import { responseInformationFor } from './response-information';

describe('responseInformationFor', () => {
  it('puts the client id under the prefix', () => {
    expect(responseInformationFor('response/', 'sensor-1')).toBe('response/sensor-1');
  });

  it('encodes wildcards, level separators and % so every client id gets a distinct valid topic', () => {
    const ids = ['a/b', 'a%2Fb', 'x+', 'x#', 'nul\u0000'];
    const infos = ids.map((id) => responseInformationFor('r/', id)!);
    expect(infos).toEqual(['r/a%2Fb', 'r/a%252Fb', 'r/x%2B', 'r/x%23', 'r/nul%00']);
    for (const i of infos) expect(isValidTopicName(i)).toBe(true);
    expect(new Set(infos).size).toBe(ids.length);
  });

  it('is off when the prefix is empty', () => {
    expect(responseInformationFor('', 'c')).toBeUndefined();
  });
});
