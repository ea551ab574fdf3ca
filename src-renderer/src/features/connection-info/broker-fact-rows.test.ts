import { describe, expect, it } from 'vitest';
import { brokerFactRows, protocolName } from './broker-fact-rows';
import { connackReason } from '../../../../shared/mqtt/reason-codes';

describe('broker fact rows', () => {
  it('shows every MQTT 5 server property, with the default where the broker sent nothing', () => {
    const rows = brokerFactRows({ sessionPresent: false, reasonCode: 0, maximumQoS: 1, retainAvailable: false, topicAliasMaximum: 10 }, 5);
    const byKey = new Map(rows.map((r) => [r.key, r]));
    expect(byKey.get('reasonCode')?.value).toBe('0x00 Success');
    expect(byKey.get('sessionPresent')?.value).toBe('no');
    expect(byKey.get('maximumQoS')).toMatchObject({ value: '1', sent: true });
    expect(byKey.get('retainAvailable')).toMatchObject({ label: 'Retain available', value: 'no', sent: true });
    expect(byKey.get('receiveMaximum')).toMatchObject({ value: 'not sent (default: 65,535)', sent: false });
    expect(byKey.get('wildcardSubscriptionAvailable')?.value).toBe('not sent (default: yes)');
    expect(rows).toHaveLength(17);
  });

  it('formats sizes, intervals and user properties readably', () => {
    const rows = brokerFactRows(
      { sessionPresent: true, reasonCode: 0, maximumPacketSize: 1048576, serverKeepAlive: 30, sessionExpiryInterval: 0xffffffff, userProperties: [['region', 'eu']] },
      5,
    );
    const value = (key: string): string | undefined => rows.find((r) => r.key === key)?.value;
    expect(value('maximumPacketSize')).toBe('1,048,576 bytes');
    expect(value('serverKeepAlive')).toBe('30 s');
    expect(value('sessionExpiryInterval')).toBe('never expires');
    expect(value('userProperties')).toBe('region=eu');
    expect(value('sessionPresent')).toBe('yes');
  });

  it('shows only the return code and session flag for MQTT 3.1.1', () => {
    const rows = brokerFactRows({ sessionPresent: false, reasonCode: 5 }, 4);
    expect(rows.map((r) => r.value)).toEqual(['5 Not authorized', 'no']);
    expect(rows[0]?.label).toBe('CONNACK return code');
  });

  it('names MQTT 5 reason codes in the specification’s hex form', () => {
    expect(connackReason(0x87, 5)).toBe('0x87 Not authorized');
    expect(connackReason(0xfe, 5)).toBe('0xFE Unknown reason code');
    expect(protocolName(4)).toBe('MQTT 3.1.1');
  });
});
