import os from 'node:os';
import path from 'node:path';

/** Where Topiary keeps its files when no folder is given: TOPIARY_USER_DATA, else the OS's per-user config folder. */
export function defaultUserDataDir(): string {
  const fromEnv = process.env.TOPIARY_USER_DATA;
  if (fromEnv) return fromEnv;
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'Topiary');
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'Topiary');
  return path.join(process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'Topiary');
}
