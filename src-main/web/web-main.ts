import path from 'node:path';
import { parseArgs } from 'node:util';
import { createAppCore } from '../core/app-core';
import { chooseWebSecretStore, type SecretStorePreference } from '../core/secrets/choose-secret-store';
import { defaultUserDataDir } from '../core/user-data';
import { preferShortGcPauses } from '../gc-tuning';
import { installProcessGuard } from '../process-guard';
import { startWebHost, type WebHost } from './web-host';
import { listenOnPreferredPort, loadWebIdentity, saveWebPort } from './web-identity';

// Web mode: the same core as the desktop app, serving the renderer to a browser on 127.0.0.1.

async function main(): Promise<void> {
  // One misbehaving peer or a bug in one handler must not end the core and the embedded broker with it.
  installProcessGuard('topiary web');
  preferShortGcPauses();
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      /** Default: the port of the last run with this user-data folder (so open tabs reconnect), else any free one. */
      port: { type: 'string' },
      /** Make a new access token: pages still open with the old one are refused and say so. */
      'rotate-token': { type: 'boolean', default: false },
      'user-data': { type: 'string' },
      'renderer-dir': { type: 'string' },
      /** Don't start the embedded broker with the app (tests that bring their own). */
      'no-broker': { type: 'boolean', default: false },
      /** Where secrets are sealed: the OS keyring when one answers (auto), or exactly os-keyring / encrypted-file. */
      'secret-store': { type: 'string', default: 'auto' },
    },
  });
  const host = values.host ?? '127.0.0.1';
  const askedPort = values.port === undefined ? undefined : Number(values.port);
  if (askedPort !== undefined && (!Number.isInteger(askedPort) || askedPort < 0 || askedPort > 65535)) {
    console.error(`topiary: --port must be a number from 0 to 65535, got "${values.port}"`);
    process.exit(2);
  }
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    console.warn(`topiary: warning: listening on ${host}, not only this machine; anyone who learns the URL's token can use it.`);
  }
  const preference = values['secret-store'] ?? 'auto';
  if (!isSecretStorePreference(preference)) {
    console.error(`topiary: --secret-store must be auto, os-keyring or encrypted-file, got "${preference}"`);
    process.exit(2);
  }
  const userDataDir = values['user-data'] ?? defaultUserDataDir();
  const secrets = await chooseWebSecretStore({ userDataDir, preference });
  console.log(`Topiary web mode: secrets: ${secrets.describe()}`);
  const core = await createAppCore({ userDataDir, secrets, autoStartBroker: !values['no-broker'] });
  const identity = await loadWebIdentity(userDataDir, { rotateToken: values['rotate-token'] });
  const start = (port: number): Promise<WebHost> =>
    startWebHost({ rendererDir: values['renderer-dir'] ?? path.join(__dirname, '../renderer'), attach: (wire) => core.attach(wire), host, port, token: identity.token });
  const host$ = await listenOnPreferredPort(start, askedPort, identity.port, (taken) =>
    console.warn(`topiary: port ${taken} (used last time) is taken now; listening on another. Tabs left open on the old address must be reopened with the new one.`),
  );
  await saveWebPort(identity, host$.port);
  console.log(`Topiary web mode: ${identity.newToken ? 'new access token' : 'access token kept from the last run'} (${identity.file}; --rotate-token makes a new one)`);
  console.log(`Topiary web mode: open ${host$.url}`);

  const stop = async (): Promise<void> => {
    await host$.close();
    await core.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

function isSecretStorePreference(value: string): value is SecretStorePreference {
  return value === 'auto' || value === 'os-keyring' || value === 'encrypted-file';
}

main().catch((error: unknown) => {
  console.error(`topiary: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
