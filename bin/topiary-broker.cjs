#!/usr/bin/env node
// `topiary-broker [--port N] [--host H] [--config FILE] [-c mosquitto.conf] [--data DIR]`: an alias of `topiary broker`.
process.env.TOPIARY_CLI_MAIN = '1';
process.env.TOPIARY_CLI_ALIAS = 'broker';
require('../dist/lib/topiary-cli.cjs');
