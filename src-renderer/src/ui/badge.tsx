import { cx } from './cx';

/** The meaning a badge's colour carries. */
export type BadgeTone = 'neutral' | 'success' | 'warning' | 'danger' | 'info' | 'accent';

export interface BadgeProps extends React.HTMLAttributes<HTMLSpanElement> {
  readonly tone?: BadgeTone;
}

/** A small label for a state: connected, retained, expired, recording… */
export function Badge({ tone = 'neutral', className, ...rest }: BadgeProps): React.JSX.Element {
  return <span className={cx('badge', `badge-${tone}`, className)} {...rest} />;
}
