import { describe, expect, it } from 'vitest';
import { payloadClipboardText, subtreeFilter, treeKeyAction } from './topic-menu-logic';

describe('the topic tree’s menu and keys', () => {
  it('filters to a subtree with the MQTT filter that matches the topic and everything below it', () => {
    expect(subtreeFilter('plant/line1')).toEqual({ mode: 'wildcard', pattern: 'plant/line1/#' });
  });

  it('copies a UTF-8 payload as its text and any other as hex', () => {
    expect(payloadClipboardText(new TextEncoder().encode('{"t": 21.5} °C'))).toEqual({ text: '{"t": 21.5} °C', as: 'text' });
    expect(payloadClipboardText(new Uint8Array([0xff, 0x00, 0x1a]))).toEqual({ text: 'ff 00 1a', as: 'hex' });
  });

  it('opens the menu with Shift+F10 or the context-menu key, and moves as a tree does', () => {
    expect(treeKeyAction('F10', true)).toBe('menu');
    expect(treeKeyAction('ContextMenu', false)).toBe('menu');
    expect(treeKeyAction('F10', false)).toBeNull();
    expect(treeKeyAction('ArrowRight', false)).toBe('expand-or-child');
    expect(treeKeyAction('ArrowLeft', false)).toBe('collapse-or-parent');
    expect(treeKeyAction('Enter', false)).toBe('toggle');
    expect(treeKeyAction('a', false)).toBeNull();
  });
});
