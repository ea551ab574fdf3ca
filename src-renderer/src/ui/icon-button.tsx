import type { LucideIcon } from 'lucide-react';
import { Tooltip } from 'radix-ui';
import { forwardRef } from 'react';
import type { ButtonVariant } from './button';
import { cx } from './cx';

export interface IconButtonProps extends Omit<React.ButtonHTMLAttributes<HTMLButtonElement>, 'aria-label' | 'children'> {
  readonly icon: LucideIcon;
  /** The accessible name, also shown as the tooltip: required, since the button has no text. */
  readonly label: string;
  /** A shortcut shown beside the label in the tooltip, e.g. "Ctrl+K". */
  readonly shortcut?: string;
  readonly variant?: ButtonVariant;
  readonly size?: 'sm' | 'md';
  /** Shows the label beside the icon as well. */
  readonly showLabel?: boolean;
}

/** An icon with a tooltip naming what it does. */
export const IconButton = forwardRef<HTMLButtonElement, IconButtonProps>(function IconButton(
  { icon: Icon, label, shortcut, variant = 'quiet', size = 'md', showLabel = false, className, type = 'button', ...rest },
  ref,
) {
  return (
    // A provider per button keeps IconButton usable anywhere (dialogs, portals, tests) without a root wrapper.
    <Tooltip.Provider delayDuration={400} skipDelayDuration={200}>
      <Tooltip.Root>
        <Tooltip.Trigger asChild>
          <button ref={ref} type={type} aria-label={label} className={cx('btn', 'icon-button', variant, size === 'sm' && 'btn-sm', showLabel && 'with-label', className)} {...rest}>
            <Icon aria-hidden="true" size={size === 'sm' ? 14 : 16} strokeWidth={1.75} />
            {showLabel ? <span>{label}</span> : null}
          </button>
        </Tooltip.Trigger>
        <Tooltip.Portal>
          <Tooltip.Content className="tooltip" side="bottom" sideOffset={4} collisionPadding={6}>
            {label}
            {shortcut ? <kbd>{shortcut}</kbd> : null}
          </Tooltip.Content>
        </Tooltip.Portal>
      </Tooltip.Root>
    </Tooltip.Provider>
  );
});
