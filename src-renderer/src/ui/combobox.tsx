import { ChevronDown } from 'lucide-react';
import { useId, useRef, useState } from 'react';
import { cx } from './cx';

export interface ComboboxProps {
  readonly value: string;
  /** Every keystroke: the box is free text, the list only suggests. */
  readonly onChange: (value: string) => void;
  /** A suggestion chosen (Enter on a highlighted one, or a click). */
  readonly onPick: (value: string) => void;
  /** Enter with no suggestion highlighted, and leaving the box. */
  readonly onCommit?: () => void;
  readonly options: readonly string[];
  /** The accessible name of the box. */
  readonly label: string;
  readonly placeholder?: string;
  /** What the list is, for the toggle's name ("numeric fields"). */
  readonly listName: string;
  readonly testId?: string;
  readonly className?: string;
}

/**
 * A text box with a list of suggestions (the WAI-ARIA combobox pattern): typing filters the list; ↓ or the chevron opens
 * it; ↑/↓ move, Enter picks, Escape closes. Focus stays in the box throughout, so typing never stops working.
 */
export function Combobox({ value, onChange, onPick, onCommit, options, label, placeholder, listName, testId, className }: ComboboxProps): React.JSX.Element {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [open, setOpen] = useState(false);
  // What was typed since the list opened: the list is filtered by it (opening by ↓ or the chevron shows everything).
  const [typed, setTyped] = useState<string | null>(null);
  const [active, setActive] = useState(-1);
  const needle = (typed ?? '').trim().toLowerCase();
  const shown = needle === '' ? options : options.filter((o) => o.toLowerCase().includes(needle));
  const expanded = open && shown.length > 0;
  const optionId = (i: number): string => `${id}-option-${i}`;

  const show = (): void => {
    setTyped(null);
    setActive(-1);
    setOpen(true);
  };
  const close = (): void => {
    setOpen(false);
    setActive(-1);
  };
  const pick = (option: string): void => {
    close();
    onPick(option);
  };

  return (
    <span className={cx('combobox', className)}>
      <input
        ref={input}
        role="combobox"
        aria-label={label}
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={`${id}-list`}
        aria-activedescendant={expanded && active >= 0 ? optionId(active) : undefined}
        data-testid={testId}
        placeholder={placeholder}
        value={value}
        spellCheck={false}
        autoComplete="off"
        onChange={(e) => {
          setTyped(e.target.value);
          setActive(-1);
          setOpen(true);
          onChange(e.target.value);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            if (!open) return show();
            const step = e.key === 'ArrowDown' ? 1 : -1;
            setActive((a) => (shown.length === 0 ? -1 : (a + step + shown.length) % shown.length));
          } else if (e.key === 'Enter') {
            if (expanded && active >= 0 && shown[active] !== undefined) {
              e.preventDefault();
              pick(shown[active]);
            } else {
              close();
              onCommit?.();
            }
          } else if (e.key === 'Escape' && expanded) {
            // Closes the list only, not a dialog around it.
            e.stopPropagation();
            close();
          }
        }}
        onBlur={() => {
          close();
          onCommit?.();
        }}
      />
      <button
        type="button"
        className="combobox-toggle"
        tabIndex={-1}
        aria-label={`Show the ${listName}`}
        data-testid={testId ? `${testId}-toggle` : undefined}
        disabled={options.length === 0}
        // Keeps focus in the box, so the list does not close on blur as it opens.
        onMouseDown={(e) => e.preventDefault()}
        onClick={() => {
          input.current?.focus();
          if (open) close();
          else show();
        }}
      >
        <ChevronDown aria-hidden="true" size={14} strokeWidth={1.75} />
      </button>
      <ul className="combobox-list menu" role="listbox" id={`${id}-list`} aria-label={listName} hidden={!expanded} data-testid={testId ? `${testId}-list` : undefined}>
        {shown.map((option, i) => (
          <li
            key={option}
            id={optionId(i)}
            role="option"
            aria-selected={i === active}
            className="menu-item"
            data-highlighted={i === active ? '' : undefined}
            onMouseDown={(e) => e.preventDefault()}
            onMouseMove={() => setActive(i)}
            onClick={() => pick(option)}
          >
            {option}
          </li>
        ))}
      </ul>
    </span>
  );
}
