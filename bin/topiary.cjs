#!/usr/bin/env node
// `topiary <command>`: pub, sub, broker, … on the app's core. Built by `npm ci` (the prepare script).
process.env.TOPIARY_CLI_MAIN = '1';
require('../dist/lib/topiary-cli.cjs');
