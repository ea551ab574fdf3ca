import { afterEach, describe, expect, it } from 'vitest';
import { ConnectArgsSchema } from '../../../shared/ipc/connections';
import { clientOptions } from './client-options';

const args = ConnectArgsSchema.parse({ url: 'mqtt://127.0.0.1:1883' });
const saved = process.env.DEBUG;

afterEach(() => {
  if (saved === undefined) delete process.env.DEBUG;
  else process.env.DEBUG = saved;
});

describe('client options', () => {
  it('silence MQTT.js per-packet debug logging unless DEBUG asks for it', () => {
    delete process.env.DEBUG;
    const quiet = clientOptions(args, 'c1', undefined);
    expect(typeof quiet.log).toBe('function');
    process.env.DEBUG = 'mqttjs*';
    expect(clientOptions(args, 'c1', undefined).log).toBeUndefined();
  });
});
