import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { listenToCore } from './store/actions';
import { listenToBroker } from './store/broker-store';
import './styles.css';

listenToCore();
listenToBroker();
createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
