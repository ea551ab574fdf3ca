import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { listenToBroker } from './features/broker/actions';
import { listenToConnections } from './features/connections/actions';
import { listenToCoreLink } from './features/core-link/actions';
import { listenToExplorer } from './features/explorer/actions';
import './styles.css';

listenToCoreLink();
listenToExplorer();
listenToConnections();
listenToBroker();
createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
