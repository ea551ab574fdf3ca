import type { TreeFilter } from '../../../../shared/ipc/explorer';

/** The tree filter that shows one topic and everything below it. */
export function subtreeFilter(path: string): TreeFilter {
  return { mode: 'wildcard', pattern: `${path}/#` };
}

/** A payload as clipboard text: itself when it is UTF-8, otherwise its bytes in hex (so nothing is silently mangled). */
export function payloadClipboardText(bytes: Uint8Array): { readonly text: string; readonly as: 'text' | 'hex' } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), as: 'text' };
  } catch {
    return { text: Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' '), as: 'hex' };
  }
}

/** What a key does in the tree; null when the tree leaves the key alone. */
export type TreeKeyAction = 'next' | 'previous' | 'first' | 'last' | 'expand-or-child' | 'collapse-or-parent' | 'toggle' | 'menu';

/** The keyboard of a tree (WAI-ARIA tree view pattern), plus Shift+F10 and the context-menu key for the row's menu. */
export function treeKeyAction(key: string, shiftKey: boolean): TreeKeyAction | null {
  if (key === 'ContextMenu' || (key === 'F10' && shiftKey)) return 'menu';
  switch (key) {
    case 'ArrowDown':
      return 'next';
    case 'ArrowUp':
      return 'previous';
    case 'Home':
      return 'first';
    case 'End':
      return 'last';
    case 'ArrowRight':
      return 'expand-or-child';
    case 'ArrowLeft':
      return 'collapse-or-parent';
    case 'Enter':
      return 'toggle';
    default:
      return null;
  }
}
