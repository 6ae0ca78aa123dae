// node screenshot.cjs ROOT QUERY PNG: serves ROOT (a run's folder with viewer/ inside), opens
// /viewer/?QUERY in headless chromium, writes PNG, and exits 1 when the map is blank or the page
// shows an error.
'use strict';
const { serve, launch, mapStats, isBlank, waitReady } = require('./lib.cjs');

(async () => {
  const [root, query, png] = process.argv.slice(2);
  const { server, url } = await serve(root);
  const { context, close } = await launch();
  let code = 0;
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    const target = `${url}/viewer/${query ? '?' + query : ''}`;
    await page.goto(target);
    await waitReady(page);
    const status = await page.textContent('#status');
    const stats = await mapStats(page);
    await page.screenshot({ path: png });
    console.log(`${png}  (${target})  map: ${stats.distinct} colours, ${(stats.nonWhite * 100).toFixed(0)}% drawn`);
    if (errors.length) { console.error('console errors:\n  ' + errors.join('\n  ')); code = 1; }
    if (isBlank(stats)) { console.error(`screenshot-viewer: the map is blank ${status ? '(' + status + ')' : ''}`); code = 1; }
  } finally {
    await close();
    server.close();
  }
  process.exit(code);
})().catch((e) => { console.error(e); process.exit(1); });
