import { test } from '@playwright/test';
import { startMosquitto, type Mosquitto } from '../../src-main/test-support/mosquitto';
import { startWebApp, type WebApp } from './web-app';

/** What each test of a spec file gets: its own Debian mosquitto and its own web-mode app. */
export interface AppWithMosquitto {
  readonly broker: Mosquitto;
  readonly app: WebApp;
}

/**
 * Registers, for every test of the calling spec file, a fresh mosquitto and a fresh web-mode app (started
 * before the test, stopped and their data removed after it). The returned object's fields are set before each test.
 */
export function eachTestAppWithMosquitto(): AppWithMosquitto {
  const env: { broker?: Mosquitto; app?: WebApp } = {};
  test.beforeEach(async () => {
    [env.broker, env.app] = await Promise.all([startMosquitto(), startWebApp()]);
  });
  test.afterEach(async () => {
    await env.app?.stop({ removeData: true });
    await env.broker?.stop();
  });
  return {
    get broker(): Mosquitto {
      if (!env.broker) throw new Error('The broker exists only inside a test.');
      return env.broker;
    },
    get app(): WebApp {
      if (!env.app) throw new Error('The app exists only inside a test.');
      return env.app;
    },
  };
}
