// Shared by the viewer tests and scripts/screenshot-viewer.sh: a static file server on 127.0.0.1 and
// Debian's chromium driven by playwright-core (which never downloads a browser).
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.geojson': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml' };

// Serves `root` (symlinks followed) on 127.0.0.1 at a free port. Resolves to { server, url }.
function serve(root) {
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = path.join(root, path.normalize(rel).replace(/^(\.\.[/\\])+/, ''));
    try {
      if (fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
      const body = fs.readFileSync(file);
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end('not found');
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    resolve({ server, url: `http://127.0.0.1:${server.address().port}` });
  }));
}

const CHROMIUM = process.env.KEPU15_CHROMIUM || '/usr/bin/chromium';

// A fresh browser profile each time; software WebGL (SwiftShader), no network services.
async function launch(viewport = { width: 1400, height: 900 }) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kepu15-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    acceptDownloads: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  });
  const close = async () => {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

// Pixel statistics of the map canvas(es): distinct colours (on a 4-px grid) and the share of pixels
// that are neither white nor the background. A blank map has a handful of colours.
async function mapStats(page, selector = '#map canvas') {
  return page.evaluate((sel) => {
    const src = document.querySelector(sel);
    if (!src) return { distinct: 0, nonWhite: 0, width: 0, height: 0 };
    const c = document.createElement('canvas');
    c.width = src.width; c.height = src.height;
    const g = c.getContext('2d');
    g.drawImage(src, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const colours = new Set();
    let nonWhite = 0; let n = 0;
    for (let y = 0; y < c.height; y += 4) {
      for (let x = 0; x < c.width; x += 4) {
        const i = (y * c.width + x) * 4;
        colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
        if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) nonWhite += 1;
        n += 1;
      }
    }
    return { distinct: colours.size, nonWhite: nonWhite / Math.max(n, 1), width: c.width, height: c.height };
  }, selector);
}

function isBlank(stats) {
  return stats.width === 0 || stats.distinct < 12 || stats.nonWhite < 0.1;
}

async function waitReady(page, timeout = 60000) {
  await page.waitForFunction(() => document.body.dataset.ready === '1' || document.querySelector('#status.error'),
    null, { timeout });
}

module.exports = { serve, launch, mapStats, isBlank, waitReady };
