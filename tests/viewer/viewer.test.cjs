// The map viewer in headless Chromium on two runs of the bundled study (see run.sh): no console
// errors, a drawn map, village popups with the run's figures, language switch, 区镇 table zoom,
// scenario swipe, print to PDF, export PNG and a phone-width layout.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { test, before, after } = require('node:test');
const { serve, launch, mapStats, isBlank, waitReady } = require('./lib.cjs');

const site = process.env.KEPU15_SITE;
const villages = JSON.parse(fs.readFileSync(path.join(site, 'villages.geojson'), 'utf8'));
const summary = JSON.parse(fs.readFileSync(path.join(site, 'summary.json'), 'utf8'));
let server; let base; let browser;

before(async () => {
  ({ server, url: base } = await serve(site));
  browser = await launch();
});
after(async () => {
  await browser.close();
  server.close();
});

async function open(query = '', viewport) {
  const page = await browser.context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}/viewer/${query}`);
  await waitReady(page);
  await page.evaluate(() => new Promise((r) => (window.kepu15.map.loaded() ? r() : window.kepu15.map.once('idle', r))));
  return { page, errors };
}

// A screen point inside the village with `code`, found by querying the rendered features.
async function pointInVillage(page, code) {
  return page.evaluate((c) => {
    const m = window.kepu15.map;
    const canvas = m.getCanvas().getBoundingClientRect();
    for (let y = 20; y < canvas.height - 20; y += 6) {
      for (let x = 20; x < canvas.width - 20; x += 6) {
        const hit = m.queryRenderedFeatures([x, y], { layers: ['villages-fill', 'facilities'] });
        if (hit.length && hit[0].layer.id === 'villages-fill' && hit[0].properties.code === c) {
          return { x: canvas.left + x, y: canvas.top + y };
        }
      }
    }
    return null;
  }, code);
}

test('the viewer loads without console errors and draws a map that is not blank', async () => {
  const { page, errors } = await open();
  const stats = await mapStats(page);
  assert.deepEqual(errors, []);
  assert.ok(!isBlank(stats), `map looks blank: ${JSON.stringify(stats)}`);
  assert.ok(stats.distinct > 100, `only ${stats.distinct} colours`);
  // Chinese by default, title from the manifest, synthetic flag in the subtitle.
  assert.equal(await page.textContent('#title'), summary.study);
  assert.match(await page.textContent('#subtitle'), /合成数据/);
  assert.match(await page.textContent('#legend'), /覆盖人口比例/);
  await page.close();
});

test('a click on a known village shows its figures per kind and method', async () => {
  const v = villages.features[0].properties;  // rank 1: the worst served village
  const { page, errors } = await open(`?town=${v.town_code}`);
  await page.evaluate((code) => {
    const f = window.kepu15.data.layers.villages.features.find((x) => x.properties.code === code);
    const xs = []; const ys = [];
    JSON.stringify(f.geometry.coordinates).replace(/\[(-?[\d.]+),(-?[\d.]+)\]/g, (_, a, b) => { xs.push(+a); ys.push(+b); });
    window.kepu15.map.fitBounds([[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]], { padding: 120, duration: 0 });
  }, v.code);
  await page.evaluate(() => new Promise((r) => window.kepu15.map.once('idle', r)));
  const p = await pointInVillage(page, v.code);
  assert.ok(p, `village ${v.code} not found on the map`);
  await page.mouse.click(p.x, p.y);
  const popup = await page.waitForSelector('.maplibregl-popup .popup h3');
  assert.equal(await popup.textContent(), v.name);
  const text = await page.textContent('.maplibregl-popup .popup');
  for (const kind of ['venue', 'school', 'station']) {
    const share = v[`${kind}_share`];
    assert.ok(text.includes(`${(share * 100).toFixed(1)}%`), `${kind} share ${share} not in "${text}"`);
  }
  assert.ok(text.includes(Math.round(v.population).toLocaleString('en-US')), 'population missing');
  assert.ok(text.includes(Math.round(v.pop_elderly).toLocaleString('en-US')), 'elderly population missing');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the English switch translates the interface; the 区镇 table zooms the map', async () => {
  const { page } = await open();
  await page.click('#lang');
  assert.equal(await page.textContent('#towns th'), 'Town');
  assert.match(await page.textContent('#subtitle'), /SYNTHETIC/);
  assert.match(await page.textContent('#legend'), /share of residents covered/);
  const unit = summary.units[3];
  await page.click(`#towns tr[data-code="${unit.code}"]`);
  const b = await page.evaluate((code) => {
    const f = window.kepu15.data.layers.villages.features.filter((x) => x.properties.town_code === code);
    const xs = []; const ys = [];
    JSON.stringify(f.map((x) => x.geometry.coordinates)).replace(/\[(-?[\d.]+),(-?[\d.]+)\]/g, (_, a, c) => { xs.push(+a); ys.push(+c); });
    const bounds = window.kepu15.map.getBounds();
    return { town: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
      view: [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()] };
  }, unit.code);
  // The view contains the town and is not much larger than it.
  assert.ok(b.view[0] <= b.town[0] && b.view[1] <= b.town[1] && b.view[2] >= b.town[2] && b.view[3] >= b.town[3]);
  const area = (x) => (x[2] - x[0]) * (x[3] - x[1]);
  assert.ok(area(b.view) < area(b.town) * 6, `view ${b.view} too large for town ${b.town}`);
  await page.close();
});

test('the scenario swipe shows the baseline left and the scenario right of the handle', async () => {
  const { page, errors } = await open('?scenario=../scenario/&swipe=0&kind=any&method=crowfly');
  await page.waitForFunction(() => window.kepu15.scenarioMap() && window.kepu15.scenarioMap().loaded());
  assert.equal(await page.isVisible('#swipe'), true);
  const shot = async (value) => {
    await page.evaluate((v) => window.kepu15.setSwipe(v), value);
    return page.locator('#map-wrap').screenshot();
  };
  const allScenario = await shot(0);
  const allBaseline = await shot(100);
  assert.notDeepEqual(allScenario, allBaseline);
  // The clip follows the handle.
  await page.evaluate(() => window.kepu15.setSwipe(50));
  const clip = await page.evaluate(() => document.getElementById('map-scenario').style.clipPath);
  assert.match(clip, /^inset\(0px 0px 0px \d+px\)$/);
  // Villages whose coverage rose are outlined on the scenario map.
  const risen = await page.evaluate(() => window.kepu15.risenVillages);
  assert.ok(risen > 0, 'a 1,500 m radius covers more villages than 1,000 m');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a compare folder opens with both sides drawn, the swipe, the 区镇 change table and newly covered areas', async () => {
  const compare = JSON.parse(fs.readFileSync(path.join(site, 'plan', 'compare.json'), 'utf8'));
  const newly = JSON.parse(fs.readFileSync(path.join(site, 'plan', 'newly_covered.geojson'), 'utf8'));
  const { page, errors } = await open('?compare=../plan/&kind=venue&method=crowfly&swipe=50');
  await page.waitForFunction(() => window.kepu15.scenarioMap() && window.kepu15.scenarioMap().loaded());
  await page.evaluate(() => new Promise((r) => (window.kepu15.scenarioMap().areTilesLoaded() ? r() : window.kepu15.scenarioMap().once('idle', r))));
  // Both sides are drawn: the baseline map and the scenario map behind the swipe.
  assert.ok(!isBlank(await mapStats(page, '#map canvas')), 'baseline side blank');
  assert.ok(!isBlank(await mapStats(page, '#map-scenario canvas')), 'scenario side blank');
  assert.equal(await page.evaluate(() => window.kepu15.data.manifest.kinds.some((k) => k.kind === 'demo_school')), true);
  // The swipe moves the edge between them.
  const w = await page.evaluate(() => document.getElementById('map-wrap').clientWidth);
  await page.locator('#swipe').fill('30');
  assert.equal(await page.evaluate(() => document.getElementById('map-scenario').style.clipPath), `inset(0px 0px 0px ${Math.round(w * 0.3)}px)`);
  await page.locator('#swipe').fill('80');
  assert.equal(await page.evaluate(() => document.getElementById('map-scenario').style.clipPath), `inset(0px 0px 0px ${Math.round(w * 0.8)}px)`);
  // The 区镇 table of the shown measure: before, after and change from compare.json.
  const region = compare.rows.find((r) => r.level === 'region' && r.measure === 'venue');
  const first = await page.textContent('#compare-table tbody tr:first-child');
  assert.ok(first.includes(`${(region.share_before * 100).toFixed(1)}%`) && first.includes(`${(region.share_after * 100).toFixed(1)}%`), first);
  const towns = compare.rows.filter((r) => r.level === 'town' && r.measure === 'venue').length;
  assert.equal(await page.locator('#compare-table tbody tr').count(), towns + 1);
  // A click inside a newly covered area (venue, crow-fly) shows its population.
  const area = newly.features.find((f) => f.properties.kind === 'venue' && f.properties.method === 'crowfly');
  assert.ok(area, 'the scenario covers somebody new');
  await page.evaluate(() => window.kepu15.setSwipe(100));
  await page.evaluate((f) => {
    const xs = []; const ys = [];
    JSON.stringify(f.geometry.coordinates).replace(/\[(-?[\d.]+),(-?[\d.]+)\]/g, (_, a, b) => { xs.push(+a); ys.push(+b); });
    window.kepu15.map.fitBounds([[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]], { padding: 80, duration: 0 });
  }, area);
  await page.evaluate(() => new Promise((r) => window.kepu15.map.once('idle', r)));
  const p = await page.evaluate(() => {
    const m = window.kepu15.map;
    const canvas = m.getCanvas().getBoundingClientRect();
    for (let y = 20; y < canvas.height - 60; y += 5) {
      for (let x = 20; x < canvas.width - 20; x += 5) {
        const hit = m.queryRenderedFeatures([x, y], { layers: ['facilities', 'cmp-newly', 'cmp-lost'] });
        if (hit.length && hit[0].layer.id === 'cmp-newly') return { x: canvas.left + x, y: canvas.top + y };
      }
    }
    return null;
  });
  assert.ok(p, 'no newly covered area on the map');
  await page.mouse.click(p.x, p.y);
  const popup = await page.waitForSelector('.maplibregl-popup .popup.change');
  const shown = Number((await popup.$eval('.pop', (n) => n.textContent)).replace(/,/g, ''));
  assert.ok(newly.features.some((f) => f.properties.kind === 'venue' && f.properties.method === 'crowfly' &&
    Math.round(f.properties.population) === shown), `population ${shown} is not that of a venue area`);
  assert.deepEqual(errors, []);
  await page.close();
});

test('print keeps the map full size and printing to PDF includes it', async () => {
  const { page } = await open();
  await page.emulateMedia({ media: 'print' });
  await page.evaluate(() => window.kepu15.map.resize());
  const box = await page.locator('#map-wrap').boundingBox();
  assert.ok(box.height > 400 && box.width > 600, `map box in print: ${JSON.stringify(box)}`);
  assert.equal(await page.isVisible('#toolbar'), false);
  assert.equal(await page.isVisible('#legend'), true);
  const pdf = await page.pdf({ format: 'A4', landscape: true, printBackground: true });
  const text = pdf.toString('latin1');
  assert.ok(text.startsWith('%PDF-'));
  assert.equal((text.match(/\/Type\s*\/Page[^s]/g) || []).length, 1, 'one A4 page');
  assert.ok(/\/Subtype\s*\/Image/.test(text), 'the map canvas is in the PDF as an image');
  assert.ok(pdf.length > 100000, `PDF of ${pdf.length} bytes is too small to hold the map`);
  await page.close();
});

test('export PNG makes an A4 sheet at 150 dpi', async () => {
  const { page } = await open('?kind=station&method=crowfly');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const file = await download.path();
  const png = fs.readFileSync(file);
  assert.equal(png.readUInt32BE(16), 1754);
  assert.equal(png.readUInt32BE(20), 1240);
  assert.ok(png.length > 200000, `export of ${png.length} bytes looks empty`);
  await page.close();
});

test('on a phone-width screen the map fills the width and the panel follows below', async () => {
  const { page, errors } = await open('', { width: 390, height: 844 });
  const map = await page.locator('#map-wrap').boundingBox();
  const panel = await page.locator('#panel').boundingBox();
  assert.ok(map.width >= 385 && map.height > 300, `map ${JSON.stringify(map)}`);
  assert.ok(panel.y >= map.y + map.height - 1, 'panel below the map');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 391, `page is ${overflow} px wide`);
  assert.ok(!isBlank(await mapStats(page)));
  assert.deepEqual(errors, []);
  await page.close();
});

test('the screenshot check fails on a blank map and passes on a drawn one', () => {
  const { spawnSync } = require('node:child_process');
  const os = require('node:os');
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'kepu15-empty-site-'));
  fs.symlinkSync(fs.realpathSync(path.join(site, 'viewer')), path.join(empty, 'viewer'));
  const run = (root) => spawnSync(process.execPath, [path.join(__dirname, 'screenshot.cjs'), root, '', path.join(empty, 'shot.png')],
    { env: process.env, encoding: 'utf8' });
  const blank = run(empty);
  assert.equal(blank.status, 1, blank.stdout + blank.stderr);
  assert.match(blank.stderr, /blank/);
  const drawn = run(site);
  assert.equal(drawn.status, 0, drawn.stdout + drawn.stderr);
  fs.rmSync(empty, { recursive: true, force: true });
});
