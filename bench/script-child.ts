import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Runs a benchmark's helper script (a publisher, a bare MQTT.js baseline) in a child Node process, so its work is
 * not charged to the process being measured; `mqttPath` lets the script require the repository's MQTT.js.
 */
export function scriptChild(script: string, mqttPath: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['-e', script], { env: { ...process.env, MQTT_PATH: mqttPath, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
}

/** The next line a child writes to stdout: the scripts answer each request with one line. */
export function lineFrom(proc: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl !== -1) {
        proc.stdout!.off('data', onData);
        resolve(out.slice(0, nl));
      }
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`child exited (${code}) before answering: ${out}`)));
  });
}
