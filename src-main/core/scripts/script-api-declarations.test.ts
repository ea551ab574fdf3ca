import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptWorkerFile } from '../../test-support/worker-file';
import { SCRIPT_API_DECLARATIONS, SCRIPT_API_FILE_NAME } from './script-api-declarations';
import { ScriptSandbox } from './script-sandbox';

/** Type-checks a script body against the declarations the editor is given. */
function diagnosticsOf(body: string): string[] {
  const files = new Map([
    [SCRIPT_API_FILE_NAME, SCRIPT_API_DECLARATIONS],
    // The editor checks the body as the function it runs as.
    ['script.ts', `function __script(): unknown {\n${body}\n}\n`],
  ]);
  const options: ts.CompilerOptions = { strict: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2022.d.ts'], noEmit: true, types: [] };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => files.get(name) ?? readFile(name);
  host.fileExists = (name) => files.has(name) || ts.sys.fileExists(name);
  host.getSourceFile = (name, version) => {
    const text = files.get(name);
    return text === undefined ? getSourceFile(name, version) : ts.createSourceFile(name, text, version);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('the API declarations for the editor', () => {
  it('accept a script that uses every call', () => {
    expect(
      diagnosticsOf(`
        const reading = msg.json();
        const bytes: Uint8Array = msg.payload;
        log('got', msg.topic, msg.text.length, bytes.length, msg.qos, msg.retain, msg.properties.contentType);
        log.warn('w'); log.error('e');
        const n: number = (state.get('n') ?? 0) + 1;
        state.set('n', n);
        if (state.has('old')) state.delete('old');
        state.keys().forEach((k) => log(k));
        if (msg.properties.responseTopic) publish(msg.properties.responseTopic, { ok: true }, { qos: 1, correlationData: msg.properties.correlationData });
        publish('out/raw', new Uint8Array([1]), { retain: true, userProperties: { k: 'v' } });
        return { t: reading.t, n };`),
    ).toEqual([]);
  });

  it('flag a misspelt member and a wrong argument as the user types', () => {
    const problems = diagnosticsOf("log(msg.topc);\npublish(42, 'x');\nmsg.topic = 'y';");
    expect(problems.join('\n')).toMatch(/Property 'topc' does not exist on type 'TopiaryMessage'/);
    expect(problems.join('\n')).toMatch(/Argument of type 'number' is not assignable to parameter of type 'string'/);
    expect(problems.join('\n')).toMatch(/Cannot assign to 'topic' because it is a read-only property/);
  });
});

describe('the declarations match the sandbox', () => {
  let sandbox: ScriptSandbox;
  beforeAll(async () => {
    sandbox = new ScriptSandbox({ workerFile: await scriptWorkerFile() });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('every declared global and member exists in a running script', async () => {
    const loaded = await sandbox.load({
      name: 'shape',
      source:
        "return [typeof msg, typeof publish, typeof log, typeof log.warn, typeof log.error, typeof state, ...['get', 'set', 'delete', 'has', 'keys'].map((k) => typeof state[k]), ...['topic', 'payload', 'text', 'json', 'qos', 'retain', 'properties'].map((k) => k in msg)];",
    });
    if (!loaded.ok) throw new Error(loaded.error.message);
    const outcome = await loaded.script.run({ topic: 't', payload: new Uint8Array(), qos: 0, retain: false });
    expect(outcome).toMatchObject({
      ok: true,
      value: ['object', 'function', 'function', 'function', 'function', 'object', 'function', 'function', 'function', 'function', 'function', true, true, true, true, true, true, true],
    });
    const declared = [...SCRIPT_API_DECLARATIONS.matchAll(/^declare (?:const|function) (\w+)/gm)].map((m) => m[1]);
    expect(declared).toEqual(['msg', 'publish', 'log', 'state']);
  });
});
