import { Command } from 'cmdk';
import { Dialog } from 'radix-ui';
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { paletteCommands, type PaletteCommand } from './palette-actions';
import './command-palette.css';

const GROUPS: readonly PaletteCommand['group'][] = ['Connections', 'Explorer', 'Views', 'Preferences', 'Search'];

// Other features add commands (the theme, a new workspace) without this file knowing them.
const contributed = new Map<string, () => readonly PaletteCommand[]>();
const contributionListeners = new Set<() => void>();
let contributionVersion = 0;

/** Adds a source of commands to the palette (called once at start-up); returns a function that removes it. */
export function contributeCommands(key: string, source: () => readonly PaletteCommand[]): () => void {
  contributed.set(key, source);
  contributionVersion += 1;
  for (const l of contributionListeners) l();
  return () => {
    contributed.delete(key);
    contributionVersion += 1;
    for (const l of contributionListeners) l();
  };
}

let openPalette: (() => void) | null = null;

/** Opens the palette from a button or a menu (the shortcut is Ctrl/Cmd+K, or Ctrl/Cmd+Shift+P). */
export function showCommandPalette(): void {
  openPalette?.();
}

function isPaletteShortcut(e: KeyboardEvent): boolean {
  const mod = e.ctrlKey || e.metaKey;
  if (!mod || e.altKey) return false;
  const key = e.key.toLowerCase();
  return (key === 'k' && !e.shiftKey) || (key === 'p' && e.shiftKey);
}

/**
 * The command palette (Ctrl/Cmd+K): connect, disconnect, publish, filter the tree, switch view, preferences. A modal
 * dialog, so focus stays inside while it is open and returns where it was when it closes, unless the chosen command
 * moved it on purpose (to the filter box, say).
 */
export function CommandPalette(): React.JSX.Element {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  // Set when a command moves focus itself; then closing must not pull focus back to where it was.
  const movesFocus = useRef(false);
  // Where focus was when the palette opened (it opens from a shortcut, not from a trigger Radix would remember).
  const opener = useRef<HTMLElement | null>(null);
  const version = useSyncExternalStore(
    (l) => {
      contributionListeners.add(l);
      return () => contributionListeners.delete(l);
    },
    () => contributionVersion,
  );

  useEffect(() => {
    const remember = (): void => {
      opener.current = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
    };
    openPalette = () => {
      remember();
      setOpen(true);
    };
    // Capture phase: the payload editor (Monaco) would otherwise keep Ctrl+K for its own chords.
    const onKey = (e: KeyboardEvent): void => {
      if (!isPaletteShortcut(e)) return;
      e.preventDefault();
      e.stopPropagation();
      setOpen((was) => {
        if (!was) remember();
        return !was;
      });
    };
    window.addEventListener('keydown', onKey, true);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      openPalette = null;
    };
  }, []);

  useEffect(() => {
    if (!open) setQuery('');
  }, [open]);

  const commands = useMemo(
    () => (open ? paletteCommands(query, [...contributed.values()].flatMap((source) => source())) : []),
    // version: a feature added or removed commands.
    [open, query, version],
  );

  const run = (command: PaletteCommand): void => {
    movesFocus.current = true;
    setOpen(false);
    // After the dialog has closed, so a command that opens another dialog or focuses a field is not undone.
    requestAnimationFrame(() => command.run());
  };

  return (
    <Dialog.Root open={open} onOpenChange={setOpen}>
      <Dialog.Portal>
        <Dialog.Overlay className="palette-overlay" />
        <Dialog.Content
          className="palette"
          data-testid="command-palette"
          aria-describedby="palette-hint"
          onCloseAutoFocus={(e) => {
            e.preventDefault();
            if (!movesFocus.current && opener.current?.isConnected) opener.current.focus();
            movesFocus.current = false;
          }}
        >
          <Dialog.Title className="visually-hidden">Command palette</Dialog.Title>
          <Command label="Commands" loop>
            <Command.Input className="palette-input" data-testid="command-palette-input" placeholder="Type a command: connect, publish, filter, show…" value={query} onValueChange={setQuery} />
            <p id="palette-hint" className="visually-hidden">
              Arrow keys choose a command, Enter runs it, Escape closes the palette.
            </p>
            <Command.List className="palette-list">
              <Command.Empty className="palette-empty">No command matches.</Command.Empty>
              {GROUPS.map((group) => {
                const items = commands.filter((c) => c.group === group);
                if (items.length === 0) return null;
                return (
                  <Command.Group key={group} heading={group} forceMount={group === 'Search'}>
                    {items.map((c) => (
                      <Command.Item key={c.id} value={`${c.label} ${c.id}`} keywords={c.keywords ? [...c.keywords] : []} forceMount={group === 'Search'} data-testid={`palette-${c.id}`} onSelect={() => run(c)}>
                        {c.label}
                      </Command.Item>
                    ))}
                  </Command.Group>
                );
              })}
            </Command.List>
          </Command>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
