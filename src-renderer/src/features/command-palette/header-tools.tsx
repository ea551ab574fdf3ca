import { Clock, Command as CommandIcon } from 'lucide-react';
import { setTimeFormat, useTimeFormat, type TimeFormat } from '../../lib/format';
import { IconButton } from '../../ui/icon-button';
import { Menu } from '../../ui/menu';
import { showCommandPalette } from './command-palette';

const SHORTCUT = typeof navigator !== 'undefined' && /Mac/i.test(navigator.platform) ? '⌘K' : 'Ctrl+K';

/** Opens the command palette; the tooltip teaches the shortcut. */
export function PaletteButton(): React.JSX.Element {
  return <IconButton icon={CommandIcon} label="Command palette" shortcut={SHORTCUT} data-testid="open-command-palette" onClick={showCommandPalette} />;
}

const TIME_LABELS: Readonly<Record<TimeFormat, string>> = { clock: '24-hour with milliseconds', locale: 'System format' };

/** The time format every view uses: a 24-hour clock with milliseconds, or the system's own. */
export function TimeFormatSwitcher(): React.JSX.Element {
  const format = useTimeFormat();
  return (
    <Menu
      label="Time format"
      testId="time-format-menu"
      trigger={<IconButton icon={Clock} label={`Time format: ${TIME_LABELS[format]}`} data-testid="time-format-switcher" />}
      items={(['clock', 'locale'] as const).map((f) => ({ label: TIME_LABELS[f], checked: format === f, testId: `time-format-${f}`, onSelect: () => setTimeFormat(f) }))}
    />
  );
}
