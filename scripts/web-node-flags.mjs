/**
 * The Node flags web mode's process runs with (`npm run web`, `npm start` in web mode, and the freshness benchmark).
 *
 * `--max-semi-space-size=4`: the young generation is capped at 2 × 4 MB (Node 20 lets it grow to 2 × 16 MB). Under a
 * flood, what one scavenge has to copy grows with that size (the messages in flight between the embedded broker, the
 * connection and the explorer), and every scavenge stops the core: measured with `npm run bench -- freshness` at
 * 50,000 msg/s, a scavenge copied about 2.8 MB and paused the core about 30 ms at the default, 0.65 MB and about
 * 9 ms at 4 MB, for about a quarter more collection time in all. The core's pauses, not its last per cent of
 * throughput, decide how old the window's values are.
 * @type {readonly string[]}
 */
export const WEB_NODE_FLAGS = Object.freeze(['--max-semi-space-size=4']);
