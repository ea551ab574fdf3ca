import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { listenToCore } from './store/actions';
import './styles.css';

listenToCore();
createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
