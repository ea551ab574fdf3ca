// @peculiar/x509 relies on decorator metadata; this import must run before the library loads.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// Node's webcrypto matches the DOM Crypto the library is typed against; lib.dom is not in this project.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** @peculiar/x509, loaded with its prerequisites and Node's WebCrypto as provider. */
export { x509 };
