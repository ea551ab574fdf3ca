import { forwardRef } from 'react';
import { cx } from './cx';

export type ButtonVariant = 'primary' | 'secondary' | 'quiet' | 'danger';
export type ButtonSize = 'sm' | 'md';

export interface ButtonProps extends React.ButtonHTMLAttributes<HTMLButtonElement> {
  /** primary: the one main action of a view; secondary (default): the rest; quiet: low-emphasis; danger: deletes. */
  readonly variant?: ButtonVariant;
  readonly size?: ButtonSize;
}

/** The app's button. A plain <button> already looks like the secondary variant; this adds the others and a size. */
export const Button = forwardRef<HTMLButtonElement, ButtonProps>(function Button({ variant = 'secondary', size = 'md', className, type = 'button', ...rest }, ref) {
  return <button ref={ref} type={type} className={cx('btn', variant, size === 'sm' && 'btn-sm', className)} {...rest} />;
});
