import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './styles.css';
// Initialises i18next before the first render, so nothing flashes in the wrong language.
import './i18n';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';

const container = document.getElementById('root');
if (!container) throw new Error('index.html must contain <div id="root">');

createRoot(container).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
