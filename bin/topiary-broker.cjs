#!/usr/bin/env node
// The embedded broker without the app: `topiary-broker --port 1883 [--host 127.0.0.1] [--config broker.json]`.
require('../dist/main/broker-cli.cjs');
