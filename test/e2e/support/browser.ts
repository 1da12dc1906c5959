export { launchChromium as launchBrowser } from '../../support/chromium.js';
