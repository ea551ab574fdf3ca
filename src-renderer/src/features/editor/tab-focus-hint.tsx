import { memo } from 'react';
import { TAB_FOCUS_SHORTCUT, toggleTabFocusMode, useTabFocusMode } from './tab-focus';

/** Says what Tab does in the editor right now, and offers the switch (also the editor's shortcut). */
export const TabFocusHint = memo(function TabFocusHint({ id }: { readonly id: string }): React.JSX.Element {
  const on = useTabFocusMode();
  return (
    <div className="tab-focus-hint note" id={id} data-testid="tab-focus-hint" data-on={on}>
      {on ? 'Tab moves focus out of the editor.' : 'Tab inserts a tab in the editor.'}{' '}
      <button type="button" className="link" data-testid="tab-focus-toggle" aria-pressed={!on} onClick={toggleTabFocusMode}>
        {on ? 'Let Tab indent' : 'Let Tab move focus'} ({TAB_FOCUS_SHORTCUT})
      </button>
    </div>
  );
});
