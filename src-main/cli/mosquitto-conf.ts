import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TopiaryError } from '../../shared/ipc/errors';
import type { BrokerLimits, BrokerOptions, ListenerConfig } from '../core/broker';

/** What a mosquitto.conf became: broker options, the persistence folder, and every line left out, with why. */
export interface MosquittoConfResult {
  readonly options: BrokerOptions;
  readonly persistenceDir?: string;
  readonly skipped: readonly { readonly line: number; readonly text: string; readonly why: string }[];
  readonly warnings: readonly string[];
}

interface ListenerDraft {
  port: number;
  host?: string;
  websockets: boolean;
  certfile?: string;
  keyfile?: string;
  cafile?: string;
  requireCertificate?: boolean;
  line: number;
}

/**
 * Reads the common subset of mosquitto.conf (listener, allow_anonymous, password_file, acl_file,
 * max_queued_messages, max_inflight_messages, message_size_limit, persistence, persistence_location,
 * certfile/keyfile/cafile/require_certificate, protocol websockets); names each other directive it skips.
 */
export function readMosquittoConf(file: string): MosquittoConfResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new TopiaryError('VALIDATION_ERROR', `The mosquitto configuration ${file} cannot be read; check the path.`);
  }
  const base = path.dirname(path.resolve(file));
  const at = (p: string): string => path.resolve(base, p);
  const skipped: { line: number; text: string; why: string }[] = [];
  const warnings: string[] = [];
  const listeners: ListenerDraft[] = [];
  const limits: { -readonly [K in keyof BrokerLimits]: BrokerLimits[K] } = {};
  let allowAnonymous: boolean | undefined;
  let passwordFile: string | undefined;
  let aclFile: string | undefined;
  let persistence = false;
  let persistenceDir: string | undefined;
  // Settings before the first listener belong to mosquitto's default listener (port 1883).
  const current = (line: number): ListenerDraft => {
    if (listeners.length === 0) listeners.push({ port: 1883, host: '127.0.0.1', websockets: false, line });
    return listeners[listeners.length - 1] as ListenerDraft;
  };
  const bool = (v: string | undefined, line: number, name: string): boolean => {
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw new TopiaryError('VALIDATION_ERROR', `${file}:${line}: ${name} must be true or false, not "${v ?? ''}".`);
  };
  const int = (v: string | undefined, line: number, name: string): number => {
    const n = Number(v);
    if (v === undefined || !/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new TopiaryError('VALIDATION_ERROR', `${file}:${line}: ${name} must be a whole number, not "${v ?? ''}".`);
    return n;
  };

  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const [name = '', ...args] = trimmed.split(/\s+/);
    const value = args.join(' ');
    switch (name) {
      case 'listener': {
        const port = int(args[0], line, 'listener port');
        if (port > 65535) throw new TopiaryError('VALIDATION_ERROR', `${file}:${line}: listener port ${port} is above 65535.`);
        if (args[1] === undefined) warnings.push(`${file}:${line}: "listener ${port}" has no address, so as in mosquitto it listens on every interface.`);
        listeners.push({ port, host: args[1] ?? '0.0.0.0', websockets: false, line });
        return;
      }
      case 'port':
        current(line).port = int(args[0], line, 'port');
        return;
      case 'protocol':
        if (value === 'websockets') current(line).websockets = true;
        else if (value !== 'mqtt') skipped.push({ line, text: trimmed, why: `protocol "${value}" is not supported (mqtt and websockets are)` });
        return;
      case 'allow_anonymous':
        allowAnonymous = bool(args[0], line, name);
        return;
      case 'password_file':
        passwordFile = at(value);
        return;
      case 'acl_file':
        aclFile = at(value);
        return;
      case 'max_queued_messages':
        limits.maxQueued = int(args[0], line, name);
        return;
      case 'max_inflight_messages':
        limits.maxInflight = int(args[0], line, name);
        return;
      case 'message_size_limit': {
        const n = int(args[0], line, name);
        // mosquitto limits the payload; ours limits the whole packet, so allow the largest header beside it.
        if (n > 0) limits.maxPacketSize = n + 65_535 + 8;
        return;
      }
      case 'persistence':
        persistence = bool(args[0], line, name);
        return;
      case 'persistence_location':
        persistenceDir = at(value);
        return;
      case 'certfile':
        current(line).certfile = at(value);
        return;
      case 'keyfile':
        current(line).keyfile = at(value);
        return;
      case 'cafile':
        current(line).cafile = at(value);
        return;
      case 'require_certificate':
        current(line).requireCertificate = bool(args[0], line, name);
        return;
      default:
        skipped.push({ line, text: trimmed, why: `"${name}" is not supported by topiary broker` });
    }
  });

  const read = (p: string, what: string, line: number): string => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      throw new TopiaryError('VALIDATION_ERROR', `${file}:${line}: the ${what} ${p} cannot be read.`);
    }
  };
  const bound: ListenerConfig[] = listeners.map((l) => {
    const tls = l.certfile !== undefined || l.keyfile !== undefined;
    if (tls && (l.certfile === undefined || l.keyfile === undefined)) {
      throw new TopiaryError('VALIDATION_ERROR', `${file}:${l.line}: a TLS listener needs both certfile and keyfile.`);
    }
    const material = tls
      ? {
          cert: read(l.certfile as string, 'certfile', l.line),
          key: read(l.keyfile as string, 'keyfile', l.line),
          ...(l.cafile ? { ca: read(l.cafile, 'cafile', l.line) } : {}),
          ...(l.requireCertificate ? { requireClientCertificate: true } : {}),
        }
      : undefined;
    const host = l.host ?? '127.0.0.1';
    if (l.websockets) return material ? { kind: 'wss', port: l.port, host, ...material } : { kind: 'ws', port: l.port, host };
    return material ? { kind: 'tls', port: l.port, host, ...material } : { kind: 'tcp', port: l.port, host };
  });
  return {
    options: {
      ...(bound.length > 0 ? { listeners: bound } : {}),
      // mosquitto 2 refuses anonymous clients unless told otherwise.
      allowAnonymous: allowAnonymous ?? false,
      ...(passwordFile ? { passwordFile } : {}),
      ...(aclFile ? { aclFile } : {}),
      ...(Object.keys(limits).length > 0 ? { limits } : {}),
    },
    ...(persistence ? { persistenceDir: persistenceDir ?? process.cwd() } : {}),
    skipped,
    warnings,
  };
}
