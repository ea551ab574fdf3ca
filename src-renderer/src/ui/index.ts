export { Badge, type BadgeProps, type BadgeTone } from './badge';
export { Button, type ButtonProps, type ButtonSize, type ButtonVariant } from './button';
export { Combobox, type ComboboxProps } from './combobox';
export { cx } from './cx';
export { IconButton, type IconButtonProps } from './icon-button';
export { ContextMenuArea, Menu, type ContextMenuAreaProps, type MenuAction, type MenuEntry, type MenuProps } from './menu';
export { Select, type SelectChoice, type SelectProps } from './select';
export { setTheme, startTheme, THEME_SETTINGS, useTheme, type ResolvedTheme, type ThemeSetting } from './theme';
export { ThemeSwitcher } from './theme-switcher';
