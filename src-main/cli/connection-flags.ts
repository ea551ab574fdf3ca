import { readFileSync } from 'node:fs';
import type { ConnectOptions } from '../lib/connect-options';
import { AUTH_METHODS, type AuthMethodName } from '../../shared/ipc/connections';
import { TopiaryError } from '../../shared/ipc/errors';
import { UsageError } from './cli-io';

/** The flags every subcommand that connects shares. */
export const CONNECTION_FLAGS = {
  url: { type: 'string', short: 'u' },
  'mqtt-version': { type: 'string', short: 'V' },
  'client-id': { type: 'string', short: 'i' },
  user: { type: 'string' },
  password: { type: 'string' },
  'auth-method': { type: 'string' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  'key-passphrase': { type: 'string' },
  pfx: { type: 'string' },
  insecure: { type: 'boolean' },
  'psk-identity': { type: 'string' },
  psk: { type: 'string' },
  profile: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const CONNECTION_HELP = `Connection:
  -u, --url URL            mqtt://, mqtts://, ws://, wss://, mqtt-udp:// or mqtts-dtls://
                           (default mqtt://127.0.0.1:1883)
  -V, --mqtt-version V     3.1, 3.1.1 or 5 (default 5)
  -i, --client-id ID       client identifier (default topiary-xxxxxxxx)
      --user NAME          user name
      --password SECRET    password (or the TOPIARY_PASSWORD environment variable)
      --auth-method M      MQTT 5 enhanced authentication: SCRAM-SHA-1, SCRAM-SHA-256 or SCRAM-SHA-512
                           (the password is proved, never sent; the broker must prove it knows it too)
      --ca FILE            CA certificate(s), PEM, to trust instead of the OS store
      --cert FILE          client certificate, PEM
      --key FILE           client key, PEM   --key-passphrase P   its passphrase
      --pfx FILE           client certificate and key as PKCS#12 (passphrase: --key-passphrase)
      --insecure           do not verify the broker's certificate (testing only)
      --psk-identity ID    mqtts-dtls:// with a pre-shared key instead of a certificate: the identity
      --psk HEX            and its key in hex (or the TOPIARY_PSK environment variable)
      --profile NAME       a connection profile saved in the Topiary app
`;

type Values = { readonly [K in keyof typeof CONNECTION_FLAGS]?: (typeof CONNECTION_FLAGS)[K]['type'] extends 'boolean' ? boolean : string };

function readFlagFile(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TopiaryError('VALIDATION_ERROR', `${flag} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : 'cannot be read'}.`);
  }
}

/** The library's connect options from the shared flags. */
export function connectOptionsFrom(values: Values, env: NodeJS.ProcessEnv, extra: Partial<ConnectOptions> = {}): ConnectOptions {
  const version = values['mqtt-version'];
  if (version !== undefined && !['3.1', '3.1.1', '5', '5.0'].includes(version)) throw new UsageError(`--mqtt-version must be 3.1, 3.1.1 or 5, not "${version}".`);
  const password = values.password ?? env.TOPIARY_PASSWORD;
  const authMethod = values['auth-method']?.toUpperCase();
  if (authMethod !== undefined && !(AUTH_METHODS as readonly string[]).includes(authMethod)) {
    throw new UsageError(`--auth-method must be ${AUTH_METHODS.join(', ')}, not "${values['auth-method']}".`);
  }
  const psk = values.psk ?? env.TOPIARY_PSK;
  if ((values['psk-identity'] === undefined) !== (psk === undefined)) throw new UsageError('--psk-identity and --psk (or TOPIARY_PSK) go together.');
  const tlsWanted = values.ca || values.cert || values.key || values.pfx || values.insecure || values['psk-identity'];
  const tls = tlsWanted
    ? {
        ...(values.ca ? { ca: [readFlagFile('--ca', values.ca).toString('utf8')] } : {}),
        ...(values.cert ? { cert: readFlagFile('--cert', values.cert).toString('utf8') } : {}),
        ...(values.key ? { key: readFlagFile('--key', values.key).toString('utf8') } : {}),
        ...(values['key-passphrase'] && !values.pfx ? { keyPassphrase: values['key-passphrase'] } : {}),
        ...(values.pfx ? { pkcs12: new Uint8Array(readFlagFile('--pfx', values.pfx)) } : {}),
        ...(values.pfx && values['key-passphrase'] ? { pkcs12Password: values['key-passphrase'] } : {}),
        ...(values.insecure ? { rejectUnauthorized: false } : {}),
        ...(values['psk-identity'] && psk ? { pskIdentity: values['psk-identity'], psk } : {}),
      }
    : undefined;
  const url = values.url ?? (values.profile ? undefined : 'mqtt://127.0.0.1:1883');
  return {
    ...(url !== undefined ? { url } : {}),
    ...(values.profile ? { profile: values.profile } : {}),
    ...(version !== undefined ? { protocolVersion: version as '3.1' | '3.1.1' | '5' } : {}),
    ...(values['client-id'] ? { clientId: values['client-id'] } : {}),
    ...(values.user !== undefined ? { username: values.user } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(authMethod !== undefined ? { authMethod: authMethod as AuthMethodName } : {}),
    ...(tls ? { tls } : {}),
    ...extra,
  };
}
