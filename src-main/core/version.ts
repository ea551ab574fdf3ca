/** Topiary's version, as `topiary --version`, the MCP server and the broker's `$SYS/broker/version` report it.
 * A constant rather than a read of package.json, which a bundled command would have to find on disk;
 * `version.test.ts` keeps the two equal. */
export const TOPIARY_VERSION = '0.1.0';
