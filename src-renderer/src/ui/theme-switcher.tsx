import { Monitor, Moon, Sun } from 'lucide-react';
import { IconButton } from './icon-button';
import { Menu } from './menu';
import { useTheme, type ThemeSetting } from './theme';

const LABELS: Record<ThemeSetting, string> = { light: 'Light', dark: 'Dark', system: 'System' };

/** The header's theme menu: light, dark, or follow the system. */
export function ThemeSwitcher(): React.JSX.Element {
  const { setting, resolved, setTheme } = useTheme();
  const icon = setting === 'system' ? Monitor : resolved === 'light' ? Sun : Moon;
  return (
    <Menu
      label="Theme"
      testId="theme-menu"
      trigger={<IconButton icon={icon} label={`Theme: ${LABELS[setting]}`} data-testid="theme-switcher" />}
      items={(['light', 'dark', 'system'] as const).map((s) => ({
        label: LABELS[s],
        icon: s === 'light' ? Sun : s === 'dark' ? Moon : Monitor,
        checked: setting === s,
        testId: `theme-${s}`,
        onSelect: () => setTheme(s),
      }))}
    />
  );
}
