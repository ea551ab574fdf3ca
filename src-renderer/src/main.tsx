import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { CommandPalette } from './features/command-palette/command-palette';
import { CoreLinkOverlay } from './features/core-link/core-link-overlay';
import { listenToBroker } from './features/broker/actions';
import { listenToConnections } from './features/connections/actions';
import { listenToCoreLink } from './features/core-link/actions';
import { listenToExplorer } from './features/explorer/actions';
import { listenToHistory, refreshHistoryStatus } from './features/history-search/actions';
import './styles.css';
import './ui/focus.css';
import { startTheme } from './ui/theme';

// Before the first render, so the first paint is already in the chosen theme.
startTheme();
listenToCoreLink();
listenToExplorer();
listenToConnections();
listenToBroker();
listenToHistory();
void refreshHistoryStatus();
createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
    <CommandPalette />
    {/* Beside the window, not inside it: whatever happens to the window, a lost core is still said. */}
    <CoreLinkOverlay />
  </StrictMode>,
);
