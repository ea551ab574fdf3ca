/**
 * JavaScript evaluated inside each QuickJS context before the user's script. It receives the host's
 * few functions as arguments, keeps them in a closure (they never appear on globalThis), defines
 * the API (`publish`, `log`, `state`) as read-only globals, and returns the function the worker
 * calls per message. Results leave as one JSON string: the host never walks objects inside the VM.
 */
export const BOOTSTRAP_FILE = 'topiary-bootstrap.js';

export const BOOTSTRAP_SOURCE = String.raw`(function (hostPublish, hostLog, hostStateSet, hostPayload, hostText) {
  'use strict';
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const freeze = Object.freeze;
  const isView = ArrayBuffer.isView;
  const stateCache = new Map();

  function hex(bytes) {
    let out = '';
    for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return out;
  }
  function fromHex(text) {
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
    return out;
  }
  function replacer(key, value) {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof ArrayBuffer) value = new Uint8Array(value);
    if (isView(value)) {
      const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      return { $bytes: hex(bytes), length: bytes.length };
    }
    if (value instanceof Map) return Object.fromEntries(value);
    if (value instanceof Set) return Array.from(value);
    return value;
  }
  function describe(value) {
    if (typeof value === 'string') return value;
    if (value instanceof Error) return String(value);
    if (value === undefined) return 'undefined';
    if (typeof value === 'function') return '[function ' + (value.name || 'anonymous') + ']';
    try { return stringify(value, replacer) ?? String(value); } catch (e) { return String(value); }
  }
  function logger(level) {
    return function () {
      let line = '';
      for (let i = 0; i < arguments.length; i++) line += (i > 0 ? ' ' : '') + describe(arguments[i]);
      hostLog(level, line);
    };
  }
  const log = logger('log');
  log.warn = logger('warn');
  log.error = logger('error');
  freeze(log);

  function toBytes(payload, what) {
    if (payload === undefined || payload === null) return { kind: 'text', data: '' };
    if (typeof payload === 'string') return { kind: 'text', data: payload };
    if (payload instanceof ArrayBuffer) return { kind: 'hex', data: hex(new Uint8Array(payload)) };
    if (isView(payload)) return { kind: 'hex', data: hex(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength)) };
    const json = stringify(payload, replacer);
    if (json === undefined) throw new TypeError(what + ' must be a string, bytes or a JSON value');
    return { kind: 'json', data: json };
  }
  function publish(topic, payload, options) {
    if (typeof topic !== 'string') throw new TypeError('publish(topic, payload, options): topic must be a string');
    const body = toBytes(payload, 'publish(topic, payload, options): payload');
    const opts = {};
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object') throw new TypeError('publish(topic, payload, options): options must be an object');
      if (options.qos !== undefined) opts.qos = options.qos;
      if (options.retain !== undefined) opts.retain = options.retain;
      if (options.contentType !== undefined) opts.contentType = options.contentType;
      if (options.responseTopic !== undefined) opts.responseTopic = options.responseTopic;
      if (options.correlationData !== undefined) opts.correlationData = toBytes(options.correlationData, 'correlationData');
      if (options.userProperties !== undefined) opts.userProperties = options.userProperties;
    }
    const problem = hostPublish(topic, body.kind, body.data, stringify(opts));
    if (problem) throw new Error(problem);
  }
  freeze(publish);

  const state = freeze({
    get(key) {
      const json = stateCache.get(String(key));
      return json === undefined ? undefined : parse(json);
    },
    set(key, value) {
      key = String(key);
      if (value === undefined) return state.delete(key);
      const json = stringify(value, replacer);
      if (json === undefined) throw new TypeError('state.set(key, value): value must be a JSON value');
      const problem = hostStateSet(key, json);
      if (problem) throw new Error(problem);
      stateCache.set(key, json);
    },
    delete(key) {
      key = String(key);
      if (!stateCache.has(key)) return;
      hostStateSet(key, undefined);
      stateCache.delete(key);
    },
    has(key) { return stateCache.has(String(key)); },
    keys() { return Array.from(stateCache.keys()); },
  });

  const api = { writable: false, configurable: false, enumerable: false };
  Object.defineProperty(globalThis, 'publish', { ...api, value: publish });
  Object.defineProperty(globalThis, 'log', { ...api, value: log });
  Object.defineProperty(globalThis, 'state', { ...api, value: state });

  const noProperties = freeze({});
  // One prototype for every message: a call allocates only the message's own fields.
  function Message(topic, qos, retain, properties, text) {
    this.topic = topic;
    this.qos = qos;
    this.retain = retain;
    this.properties = properties;
    this._text = text;
    this._bytes = undefined;
  }
  Object.defineProperties(Message.prototype, {
    payload: { get() { return this._bytes === undefined ? (this._bytes = new Uint8Array(hostPayload())) : this._bytes; } },
    text: { get() { return this._text === null ? (this._text = hostText()) : this._text; } },
    json: {
      value: function json() {
        try { return parse(this.text); } catch (e) { throw new SyntaxError('the payload is not JSON: ' + e.message); }
      },
    },
  });
  freeze(Message.prototype);
  function message(topic, qos, retain, propsJson, text) {
    let properties = noProperties;
    if (propsJson !== '') {
      properties = parse(propsJson);
      if (typeof properties.correlationData === 'string') properties.correlationData = fromHex(properties.correlationData);
      freeze(properties);
    }
    // Sealed, not frozen: the lazy payload and text are filled in on first use; the script cannot change a field.
    const m = new Message(topic, qos, retain, properties, text);
    Object.defineProperties(m, {
      topic: { writable: false, enumerable: true },
      qos: { writable: false, enumerable: true },
      retain: { writable: false, enumerable: true },
      properties: { writable: false, enumerable: true },
      _text: { enumerable: false },
      _bytes: { enumerable: false },
    });
    return Object.seal(m);
  }

  return freeze({
    run(fn, topic, qos, retain, propsJson, text) {
      const value = fn(message(topic, qos, retain, propsJson, text));
      return value === undefined ? '' : stringify(value, replacer);
    },
    loadState(entriesJson) {
      const entries = parse(entriesJson);
      for (let i = 0; i < entries.length; i++) stateCache.set(entries[i][0], entries[i][1]);
    },
  });
})`;
