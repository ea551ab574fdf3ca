import { ESLint } from 'eslint';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layer rules are only worth having if they fire: lint snippets as if they sat in each layer.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const eslint = new ESLint({ cwd: root });

async function restrictedImports(file: string, code: string): Promise<readonly string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the ESLint layer rules', () => {
  it('stop shared/ from importing Node built-ins, bare or node:-prefixed', async () => {
    expect(await restrictedImports('shared/ipc/example.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n")).toHaveLength(1);
    expect(await restrictedImports('shared/ipc/example.ts', "import path from 'path';\nexport const p = path;\n")).toHaveLength(1);
    expect(await restrictedImports('shared/ipc/example.ts', "import { promises } from 'fs/promises';\nexport const p = promises;\n")).toHaveLength(1);
  });

  it('stop shared/ from importing electron, react, src-main or src-renderer', async () => {
    const code = [
      "import { app } from 'electron';",
      "import { useState } from 'react';",
      "import { createAppCore } from '../../src-main/core/app-core';",
      "import { App } from '../../src-renderer/src/app';",
      'export const all = [app, useState, createAppCore, App];',
    ].join('\n');
    expect(await restrictedImports('shared/ipc/example.ts', code)).toHaveLength(4);
  });

  it('let shared/ import other shared files and pure packages', async () => {
    const code = "import { z } from 'zod';\nimport { Listeners } from './wire';\nexport const all = [z, Listeners];\n";
    expect(await restrictedImports('shared/ipc/example.ts', code)).toEqual([]);
  });

  it('stop the core from importing electron but let it use Node', async () => {
    expect(await restrictedImports('src-main/core/example.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await restrictedImports('src-main/core/example.ts', "import net from 'node:net';\nexport const n = net;\n")).toEqual([]);
  });

  it('stop production files of the core from importing test-support, and let its tests (the conformance suite among them) use it', async () => {
    const code = "import { waitFor } from '../../test-support/wait-for';\nexport const w = waitFor;\n";
    expect(await restrictedImports('src-main/core/explorer/example.ts', code)).toHaveLength(1);
    expect(await restrictedImports('src-main/core/example.ts', "import { createTestPki } from '../test-support/pki';\nexport const p = createTestPki;\n")).toHaveLength(1);
    expect(await restrictedImports('src-main/core/explorer/example.test.ts', code)).toEqual([]);
    const conformance = "import { waitFor } from '../../../test-support/wait-for';\nexport const w = waitFor;\n";
    expect(await restrictedImports('src-main/core/broker/conformance/example.test.ts', conformance)).toEqual([]);
    expect(await restrictedImports('src-main/core/broker/conformance/example.ts', conformance)).toHaveLength(1);
  });

  it('let the Electron shell import electron', async () => {
    expect(await restrictedImports('src-main/electron/example.ts', "import { app } from 'electron';\nexport const a = app;\n")).toEqual([]);
  });

  it('stop the renderer from importing Node built-ins, electron or the main process', async () => {
    const code = [
      "import net from 'net';",
      "import { spawn } from 'child_process';",
      "import os from 'node:os';",
      "import { ipcRenderer } from 'electron';",
      "import { createAppCore } from '../../src-main/core/app-core';",
      'export const all = [net, spawn, os, ipcRenderer, createAppCore];',
    ].join('\n');
    expect(await restrictedImports('src-renderer/src/example.tsx', code)).toHaveLength(5);
  });

  it('let the renderer import react and the shared contract', async () => {
    const code = "import { useState } from 'react';\nimport { Listeners } from '../../shared/ipc/wire';\nexport const all = [useState, Listeners];\n";
    expect(await restrictedImports('src-renderer/src/example.tsx', code)).toEqual([]);
  });

  it('allow deliberately unused _-prefixed parameters', async () => {
    const [result] = await eslint.lintText('export function f(_unused: number): number {\n  return 1;\n}\n', {
      filePath: path.join(root, 'src-main/core/example.ts'),
    });
    expect(result?.messages ?? []).toEqual([]);
  });
});
