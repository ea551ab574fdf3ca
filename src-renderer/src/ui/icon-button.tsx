import type { LucideIcon } from 'lucide-react';
import { Tooltip } from 'radix-ui';
import { forwardRef, memo, useLayoutEffect, useMemo, useRef } from 'react';
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

type Handler = (...args: never[]) => unknown;

const isHandler = (key: string, value: unknown): value is Handler => /^on[A-Z]/.test(key) && typeof value === 'function';

/**
 * An icon with a tooltip naming what it does.
 *
 * A Radix tooltip is about fifteen components, and icon buttons sit in views that re-render many times a second
 * (the tree's toolbar with every rows answer, the inspector with every message). So the button itself re-renders
 * only when what it shows changes: its event handlers are passed on as stable functions that call the newest ones,
 * and a parent's re-render with fresh closures costs one small component instead of the whole tooltip.
 */
export const IconButton = forwardRef<HTMLButtonElement, IconButtonProps>(function IconButton(props, ref) {
  const latest = useRef<IconButtonProps>(props);
  useLayoutEffect(() => {
    latest.current = props;
  });
  const handlerKeys = Object.keys(props)
    .filter((key) => isHandler(key, (props as unknown as Record<string, unknown>)[key]))
    .join(',');
  const handlers = useMemo(() => {
    const stable: Record<string, Handler> = {};
    for (const key of handlerKeys === '' ? [] : handlerKeys.split(',')) {
      stable[key] = (...args: never[]) => ((latest.current as unknown as Record<string, Handler | undefined>)[key])?.(...args);
    }
    return stable;
  }, [handlerKeys]);
  return <IconButtonView {...props} {...handlers} ref={ref} />;
});

const IconButtonView = memo(
  forwardRef<HTMLButtonElement, IconButtonProps>(function IconButtonView(
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
  }),
);
