import { Check, type LucideIcon } from 'lucide-react';
import { ContextMenu, DropdownMenu } from 'radix-ui';
import { cx } from './cx';

/** One action in a menu. */
export interface MenuAction {
  readonly label: string;
  readonly onSelect: () => void;
  readonly icon?: LucideIcon;
  /** Shows a check mark (for a choice among several, like a theme). */
  readonly checked?: boolean;
  /** A checked item is one choice among several (radio, the default) or an option on its own (checkbox). */
  readonly checkKind?: 'radio' | 'checkbox';
  readonly danger?: boolean;
  readonly disabled?: boolean;
  readonly shortcut?: string;
  readonly testId?: string;
}

/** A menu's entries: actions and separators. */
export type MenuEntry = MenuAction | 'separator';

type ItemComponent = typeof DropdownMenu.Item | typeof ContextMenu.Item;
type SeparatorComponent = typeof DropdownMenu.Separator | typeof ContextMenu.Separator;

function entries(items: readonly MenuEntry[], Item: ItemComponent, Separator: SeparatorComponent): React.JSX.Element[] {
  const hasChecks = items.some((i) => i !== 'separator' && i.checked !== undefined);
  return items.map((item, index) => {
    if (item === 'separator') return <Separator key={`sep-${index}`} className="menu-separator" />;
    const Icon = item.checked ? Check : item.icon;
    return (
      <Item
        key={item.label}
        className={cx('menu-item', item.danger && 'danger')}
        disabled={item.disabled}
        data-testid={item.testId}
        onSelect={() => item.onSelect()}
        {...(item.checked !== undefined ? { 'aria-checked': item.checked, role: item.checkKind === 'checkbox' ? 'menuitemcheckbox' : 'menuitemradio' } : {})}
      >
        {Icon || hasChecks ? <span className="menu-icon">{Icon ? <Icon aria-hidden="true" size={14} /> : null}</span> : null}
        <span className="menu-label">{item.label}</span>
        {item.shortcut ? <kbd>{item.shortcut}</kbd> : null}
      </Item>
    );
  });
}

export interface MenuProps {
  /** The element that opens the menu, usually an IconButton or Button (it must accept a ref). */
  readonly trigger: React.ReactNode;
  readonly items: readonly MenuEntry[];
  readonly label?: string;
  readonly align?: 'start' | 'center' | 'end';
  readonly testId?: string;
}

/** A drop-down menu of actions opened from a button. */
export function Menu({ trigger, items, label, align = 'end', testId }: MenuProps): React.JSX.Element {
  return (
    <DropdownMenu.Root modal={false}>
      <DropdownMenu.Trigger asChild>{trigger}</DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content className="menu" align={align} sideOffset={4} collisionPadding={6} aria-label={label} data-testid={testId}>
          {entries(items, DropdownMenu.Item, DropdownMenu.Separator)}
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}

export interface ContextMenuAreaProps {
  readonly items: readonly MenuEntry[];
  readonly children: React.ReactNode;
  readonly label?: string;
  readonly testId?: string;
}

/** Right-click (or the context-menu key) on the child element opens these actions. The child must accept a ref. */
export function ContextMenuArea({ items, children, label, testId }: ContextMenuAreaProps): React.JSX.Element {
  return (
    <ContextMenu.Root modal={false}>
      <ContextMenu.Trigger asChild>{children}</ContextMenu.Trigger>
      <ContextMenu.Portal>
        <ContextMenu.Content className="menu" collisionPadding={6} aria-label={label} data-testid={testId}>
          {entries(items, ContextMenu.Item, ContextMenu.Separator)}
        </ContextMenu.Content>
      </ContextMenu.Portal>
    </ContextMenu.Root>
  );
}
