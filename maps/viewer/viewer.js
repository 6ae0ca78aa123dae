// kepu15 map viewer: draws the outputs of `kepu15 run` (read from the folder above this one) on a
// canvas. No libraries (the planners' machines are offline). Projection: equirectangular with the
// longitude scaled by cos(latitude of the data's centre), coordinates kept relative to that centre
// so that canvas paths (float32 inside the browser) stay precise when zoomed in.
'use strict';

(function () {
  const DATA_DIR = '../';
  const M_PER_DEG = 111320; // one world unit (a degree of latitude) in metres

  // Village and table colours: share of residents covered, worst served in red.
  const SHARE_BREAKS = [0.5, 0.7, 0.85, 0.95];
  const SHARE_COLOURS = ['#b2182b', '#ef6548', '#fdae61', '#a6d96a', '#1a9850'];
  const NO_DATA_COLOUR = '#d0d3d8';
  const KIND_COLOURS = ['#6a3d9a', '#1f4e9c', '#00665e', '#8c510a', '#c51b7d', '#4d4d4d'];
  const KIND_SHAPES = ['diamond', 'square', 'circle', 'triangle', 'circle', 'square'];
  const MINUTE_COLOURS = ['#08306b', '#2171b5', '#6baed6', '#9ecae1', '#c6dbef'];
  const METHOD_NAMES = {
    crowfly: '直线 crow-fly',
    walk: '步行 walk',
    elderly: '老人步行 elderly walk',
    bike: '骑行 bike',
    drive: '驾车 drive',
  };
  const GROUP_NAMES = { elderly: '老年 elderly', youth: '青少年 youth' };

  const $ = (id) => document.getElementById(id);
  const canvas = $('map');
  const ctx = canvas.getContext('2d');
  const font = getComputedStyle(document.documentElement).getPropertyValue('--font').trim() || 'sans-serif';

  const data = {
    summary: null, villages: null, facilities: null, gaps: null, isochrones: null, cells: null,
  };
  const loadState = {}; // file → 'loading' | 'ok' | error message
  let origin = null; // {lon0, lat0, k}
  let kinds = []; // [{kind, label, colour, shape}]
  let methods = [];
  let towns = []; // labels: {code, name, x, y, bbox}
  let selected = null; // {type: 'village'|'facility', feature}
  const view = { cx: 0, cy: 0, scale: 1, width: 1, height: 1, dpr: 1 };

  // ---------------------------------------------------------------- helpers

  function fmtInt(v) {
    return v == null || !isFinite(v) ? '–' : Math.round(v).toLocaleString('en-US');
  }
  function fmtShare(v) {
    return v == null || !isFinite(v) ? '–' : (v * 100).toFixed(1) + '%';
  }
  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, (c) => ({
      '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
    })[c]);
  }
  function shareColour(v) {
    if (v == null || !isFinite(v)) return NO_DATA_COLOUR;
    let i = 0;
    while (i < SHARE_BREAKS.length && v >= SHARE_BREAKS[i]) i++;
    return SHARE_COLOURS[i];
  }
  function textOn(bg) {
    const n = parseInt(bg.slice(1), 16);
    const lum = 0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255);
    return lum < 140 ? '#fff' : '#111';
  }
  function kindInfo(kind) {
    return kinds.find((k) => k.kind === kind) ||
      { kind, label: kind, colour: '#333', shape: 'circle' };
  }
  function methodName(m) {
    return METHOD_NAMES[m] || m;
  }
  function threshold(kind, method) {
    const f = data.summary && data.summary.facilities && data.summary.facilities[kind];
    if (!f) return '';
    return method === 'crowfly' ? `${f.radius_m} m` : `${f.minutes} min`;
  }
  function methodThreshold(method) {
    const t = new Set(kinds.map((k) => threshold(k.kind, method)).filter(Boolean));
    return t.size === 1 ? [...t][0] : '';
  }

  // Field of villages.geojson holding the covered share for a kind ('any' = any kind) and method.
  function shareField(kind, method) {
    if (kind === 'any') return `any_${method}_share`;
    return method === 'crowfly' ? `${kind}_share` : `${kind}_${method}_share`;
  }

  // Share of a summary.json unit (or the region) for a kind and method.
  function unitShare(unit, kind, method) {
    if (!unit) return null;
    if (kind === 'any') {
      const a = unit.any_kind && unit.any_kind[method];
      return a ? a.share : null;
    }
    const k = unit.kinds && unit.kinds[kind];
    if (!k) return null;
    if (method === 'crowfly' && k.crowfly) return k.crowfly.share;
    if (k.network && k.network[method]) return k.network[method].share;
    return k.method === method ? k.share : null;
  }

  // ---------------------------------------------------------------- geometry

  function project(lon, lat) {
    return [(lon - origin.lon0) * origin.k, origin.lat0 - lat];
  }

  // GeoJSON geometry → {rings: [Float64Array x,y,...], path: Path2D, bbox}
  function prepareGeometry(geom) {
    const polys = geom.type === 'Polygon' ? [geom.coordinates]
      : geom.type === 'MultiPolygon' ? geom.coordinates : [];
    const rings = [];
    const bbox = [Infinity, Infinity, -Infinity, -Infinity];
    const path = new Path2D();
    for (const poly of polys) {
      for (const ring of poly) {
        const a = new Float64Array(ring.length * 2);
        for (let i = 0; i < ring.length; i++) {
          const [x, y] = project(ring[i][0], ring[i][1]);
          a[2 * i] = x;
          a[2 * i + 1] = y;
          if (x < bbox[0]) bbox[0] = x;
          if (y < bbox[1]) bbox[1] = y;
          if (x > bbox[2]) bbox[2] = x;
          if (y > bbox[3]) bbox[3] = y;
          if (i === 0) path.moveTo(x, y);
          else path.lineTo(x, y);
        }
        path.closePath();
        rings.push(a);
      }
    }
    return { rings, path, bbox };
  }

  function pointInRings(rings, x, y) {
    let inside = false; // even-odd over all rings: holes and multi-parts both work
    for (const a of rings) {
      const n = a.length / 2;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const xi = a[2 * i], yi = a[2 * i + 1], xj = a[2 * j], yj = a[2 * j + 1];
        if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
      }
    }
    return inside;
  }

  function bboxUnion(boxes) {
    const b = [Infinity, Infinity, -Infinity, -Infinity];
    for (const x of boxes) {
      b[0] = Math.min(b[0], x[0]); b[1] = Math.min(b[1], x[1]);
      b[2] = Math.max(b[2], x[2]); b[3] = Math.max(b[3], x[3]);
    }
    return b;
  }

  // ---------------------------------------------------------------- loading

  async function fetchJson(name) {
    loadState[name] = 'loading';
    showStatus();
    try {
      // no-cache: revalidate, so a new `kepu15 run` is seen on reload
      const r = await fetch(DATA_DIR + name, { cache: 'no-cache' });
      if (!r.ok) throw new Error(r.status === 404 ? 'not found' : `HTTP ${r.status}`);
      const j = await r.json();
      loadState[name] = 'ok';
      return j;
    } catch (e) {
      loadState[name] = location.protocol === 'file:'
        ? 'cannot be read from file:// (start scripts/view.sh)' : String(e.message || e);
      return null;
    } finally {
      showStatus();
    }
  }

  function showStatus() {
    const el = $('status');
    const parts = [];
    let bad = false;
    for (const [name, st] of Object.entries(loadState)) {
      if (st === 'ok') continue;
      if (st === 'loading') parts.push(`loading ${name}…`);
      else { parts.push(`${name}: ${st}`); bad = true; }
    }
    if (!parts.length) {
      const n = (d) => (d ? d.features.length : 0);
      parts.push(`${n(data.villages)} villages · ${n(data.facilities)} facilities · ` +
        `${n(data.gaps)} gap areas · ${n(data.isochrones)} service areas`);
    }
    el.textContent = parts.join(' · ');
    el.classList.toggle('error', bad);
  }

  function setOrigin(fc) {
    let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
    const visit = (c) => {
      if (typeof c[0] === 'number') {
        minx = Math.min(minx, c[0]); maxx = Math.max(maxx, c[0]);
        miny = Math.min(miny, c[1]); maxy = Math.max(maxy, c[1]);
      } else c.forEach(visit);
    };
    for (const f of fc.features) if (f.geometry) visit(f.geometry.coordinates);
    const lon0 = (minx + maxx) / 2, lat0 = (miny + maxy) / 2;
    origin = { lon0, lat0, k: Math.cos((lat0 * Math.PI) / 180) };
  }

  function preparePolygons(fc) {
    for (const f of fc.features) f.g = f.geometry ? prepareGeometry(f.geometry) : null;
    fc.features = fc.features.filter((f) => f.g && f.g.rings.length);
    fc.bbox = bboxUnion(fc.features.map((f) => f.g.bbox));
  }

  function preparePoints(fc) {
    fc.features = fc.features.filter((f) => f.geometry && f.geometry.type === 'Point');
    for (const f of fc.features) {
      const [x, y] = project(f.geometry.coordinates[0], f.geometry.coordinates[1]);
      f.x = x; f.y = y;
    }
  }

  function computeTownLabels() {
    const byTown = new Map();
    for (const f of data.villages.features) {
      const p = f.properties, b = f.g.bbox;
      const w = Math.max(p.population || 0, 1);
      let t = byTown.get(p.town_code);
      if (!t) byTown.set(p.town_code, t = { code: p.town_code, name: p.town_name, sx: 0, sy: 0, w: 0, boxes: [] });
      t.sx += ((b[0] + b[2]) / 2) * w;
      t.sy += ((b[1] + b[3]) / 2) * w;
      t.w += w;
      t.boxes.push(b);
    }
    towns = [...byTown.values()].map((t) => ({
      code: t.code, name: t.name, x: t.sx / t.w, y: t.sy / t.w, bbox: bboxUnion(t.boxes),
    }));
  }

  async function load() {
    const [summary, villages, facilities] = await Promise.all(
      ['summary.json', 'villages.geojson', 'facilities.geojson'].map(fetchJson));
    data.summary = summary;
    const base = villages || facilities;
    if (!base) {
      draw();
      return;
    }
    setOrigin(base);
    if (villages) {
      preparePolygons(villages);
      data.villages = villages;
      computeTownLabels();
    }
    if (facilities) {
      preparePoints(facilities);
      data.facilities = facilities;
    }
    setupKindsAndMethods();
    buildControls();
    applyUrlParams();
    fitTo(villages ? villages.bbox : pointsBbox(facilities));
    const town = towns.find((t) => t.code === params.get('town'));
    if (town) fitTo(town.bbox);
    refreshAll();
    showStatus();
    if (params.get('cells') === '1') loadCells(false); // explicit opt-in through the URL

    // Larger layers afterwards, so the map is usable while they arrive.
    const later = [['gaps', 'gaps.geojson'], ['isochrones', 'isochrones.geojson'], ['water', 'water.geojson']];
    await Promise.all(later.map(async ([key, file]) => {
      const fc = await fetchJson(file);
      if (fc) {
        preparePolygons(fc);
        data[key] = fc;
      }
      fillFilterOptions();
      refreshAll();
    }));
    showStatus();
  }

  function pointsBbox(fc) {
    return bboxUnion(fc.features.map((f) => [f.x, f.y, f.x, f.y]));
  }

  function setupKindsAndMethods() {
    const s = data.summary;
    let names = s && s.facilities ? Object.keys(s.facilities) : [];
    if (!names.length && data.facilities) {
      names = [...new Set(data.facilities.features.map((f) => f.properties.kind))];
    }
    // Keep the order of the study file as seen in facilities.geojson when available.
    if (data.facilities) {
      const order = [...new Set(data.facilities.features.map((f) => f.properties.kind))];
      names.sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
    }
    kinds = names.map((kind, i) => ({
      kind,
      label: (s && s.facilities && s.facilities[kind] && s.facilities[kind].label) ||
        (data.facilities && (data.facilities.features.find((f) => f.properties.kind === kind) || {}).properties.label) ||
        kind,
      colour: KIND_COLOURS[i % KIND_COLOURS.length],
      shape: KIND_SHAPES[i % KIND_SHAPES.length],
    }));
    methods = s && s.methods ? s.methods.slice() : [];
    if (!methods.length && data.villages) {
      const p = data.villages.features[0].properties;
      methods = Object.keys(p).filter((k) => /^any_.+_share$/.test(k)).map((k) => k.slice(4, -6));
    }
    if (s && s.study) $('title').textContent = `kepu15 · ${s.study}`;
  }

  // ---------------------------------------------------------------- controls

  function setOptions(select, options, value) {
    select.innerHTML = '';
    for (const [v, text] of options) {
      const o = document.createElement('option');
      o.value = v;
      o.textContent = text;
      select.appendChild(o);
    }
    if (value != null && options.some(([v]) => String(v) === String(value))) select.value = value;
  }

  function buildControls() {
    const rankMethod = data.villages && data.villages.features.length
      ? data.villages.features[0].properties.rank_method : null;
    const defMethod = methods.includes(rankMethod) ? rankMethod
      : data.summary && methods.includes(data.summary.primary_method) ? data.summary.primary_method
        : methods[0];
    setOptions($('method'), methods.map((m) => [m, `${methodName(m)} ${methodThreshold(m)}`.trim()]), defMethod);
    setOptions($('share-kind'), [['any', '任一设施 any kind'], ...kinds.map((k) => [k.kind, k.label])], 'any');

    const fk = $('facility-kinds');
    fk.innerHTML = '';
    const counts = {};
    if (data.facilities) for (const f of data.facilities.features) counts[f.properties.kind] = (counts[f.properties.kind] || 0) + 1;
    for (const k of kinds) {
      const label = document.createElement('label');
      label.innerHTML = `<input type="checkbox" data-kind="${esc(k.kind)}" checked> ` +
        `<span style="color:${k.colour}">■</span> ${esc(k.label)} (${counts[k.kind] || 0})`;
      fk.appendChild(label);
    }
    fillFilterOptions();

    for (const id of ['method', 'share-kind', 'gap-kind', 'gap-method', 'iso-kind', 'iso-profile', 'iso-minutes']) {
      $(id).addEventListener('change', refreshAll);
    }
    for (const el of document.querySelectorAll('#controls input[type=checkbox]')) {
      el.addEventListener('change', refreshAll);
    }
    $('load-cells').addEventListener('click', () => loadCells(true));
  }

  // Filter options come from the data itself, so a run with other kinds/profiles just works.
  function fillFilterOptions() {
    const distinct = (fc, key) => (fc ? [...new Set(fc.features.map((f) => f.properties[key]))] : []);
    const keep = (id) => ($(id).options.length > 1 ? $(id).value : null); // null: not filled yet
    const kindOpts = (present) => kinds.filter((k) => present.includes(k.kind)).map((k) => [k.kind, k.label]);

    const gk = distinct(data.gaps, 'kind'), gm = distinct(data.gaps, 'method');
    const defMethod = $('method').value;
    setOptions($('gap-kind'), [['*', 'all'], ...kindOpts(gk)], keep('gap-kind') || (kinds[0] && kinds[0].kind));
    setOptions($('gap-method'), [['*', 'all'], ...methods.filter((m) => gm.includes(m)).map((m) => [m, methodName(m)])],
      keep('gap-method') || defMethod);

    const ik = distinct(data.isochrones, 'kind'), ip = distinct(data.isochrones, 'profile');
    const im = distinct(data.isochrones, 'minutes').sort((a, b) => a - b);
    const netDefault = methods.includes(defMethod) && defMethod !== 'crowfly' ? defMethod : ip[0];
    setOptions($('iso-kind'), [['*', 'all'], ...kindOpts(ik)], keep('iso-kind') || (kinds[0] && kinds[0].kind));
    setOptions($('iso-profile'), [['*', 'all'], ...ip.map((p) => [p, methodName(p)])], keep('iso-profile') || netDefault);
    setOptions($('iso-minutes'), [['*', 'all'], ...im.map((m) => [m, `${m} min`])], keep('iso-minutes') || '*');

    const avail = (box, fc, file) => {
      const el = $(box);
      el.disabled = !fc;
      if (!fc) {
        el.checked = false;
        el.parentElement.title = loadState[file] === 'loading' ? 'loading…' : `${file}: ${loadState[file] || 'not loaded'}`;
      } else el.parentElement.title = '';
    };
    avail('show-gaps', data.gaps, 'gaps.geojson');
    avail('show-isochrones', data.isochrones, 'isochrones.geojson');
    applyUrlParams(true);
  }

  // Optional state in the URL (for links and screenshots):
  // ?method=walk&share=station&layers=villages,gaps,facilities&gapkind=station&gapmethod=walk
  //  &isokind=venue&isoprofile=walk&isominutes=15&village=<code>&town=<code> (zoom to it)
  //  &cells=1 (loads cells.geojson)
  const params = new URLSearchParams(location.search);
  function applyUrlParams(filtersOnly) {
    const set = (id, key) => {
      if (params.has(key)) {
        const el = $(id);
        if ([...el.options].some((o) => o.value === params.get(key))) el.value = params.get(key);
      }
    };
    set('gap-kind', 'gapkind'); set('gap-method', 'gapmethod');
    set('iso-kind', 'isokind'); set('iso-profile', 'isoprofile'); set('iso-minutes', 'isominutes');
    if (params.has('layers')) {
      const on = params.get('layers').split(',');
      for (const name of ['villages', 'gaps', 'isochrones', 'facilities', 'labels']) {
        const el = $('show-' + name);
        if (!el.disabled) el.checked = on.includes(name);
      }
    }
    if (filtersOnly) return;
    set('method', 'method'); set('share-kind', 'share');
    if (params.has('village') && data.villages) {
      const f = data.villages.features.find((v) => v.properties.code === params.get('village'));
      if (f) selected = { type: 'village', feature: f };
    }
  }

  function refreshAll() {
    for (const [box, filt] of [['show-gaps', 'gap-filters'], ['show-isochrones', 'iso-filters'],
      ['show-facilities', 'facility-kinds']]) {
      $(filt).classList.toggle('off', !$(box).checked);
    }
    buildTable();
    buildLegend();
    showDetails();
    draw();
  }

  // ---------------------------------------------------------------- side table

  function buildTable() {
    const s = data.summary;
    const method = $('method').value;
    $('table-method').textContent = `· ${methodName(method)} ${methodThreshold(method)}`.trim();
    const el = $('summary-table');
    if (!s || !s.units) {
      el.innerHTML = `<p class="hint">summary.json: ${esc(loadState['summary.json'] || 'not loaded')}</p>`;
      return;
    }
    const cols = [...kinds.map((k) => ({ kind: k.kind, label: k.label })), { kind: 'any', label: '任一 any' }];
    const cell = (v) => {
      const bg = shareColour(v);
      return `<td class="share" style="background:${bg};color:${textOn(bg)}">${fmtShare(v)}</td>`;
    };
    const row = (cls, code, name, unit) =>
      `<tr class="${cls}" data-code="${esc(code)}"><td>${esc(name)}</td><td>${fmtInt(unit.population)}</td>` +
      cols.map((c) => cell(unitShare(unit, c.kind, method))).join('') + '</tr>';
    let html = '<table><thead><tr><th>区镇 town</th><th>人口 pop.</th>' +
      cols.map((c) => `<th title="${esc(c.kind)}">${esc(c.label)}</th>`).join('') + '</tr></thead><tbody>';
    if (s.region) html += row('region', '', '全域 region', { population: s.total_population, ...s.region });
    for (const u of s.units) html += row('', u.code, u.name, u);
    html += '</tbody></table>';
    el.innerHTML = html;
    for (const tr of el.querySelectorAll('tbody tr')) {
      tr.addEventListener('click', () => {
        const t = towns.find((x) => x.code === tr.dataset.code);
        fitTo(t ? t.bbox : data.villages ? data.villages.bbox : null);
      });
    }
    $('table-note').textContent = 'Share of residents within reach of each kind (' +
      (method === 'crowfly' ? 'straight-line radius' : `${methodName(method)} over the road network`) +
      '). Click a row to zoom to the town.';
  }

  // ---------------------------------------------------------------- legend

  function symbolCanvas(k, size) {
    const c = document.createElement('canvas');
    const dpr = window.devicePixelRatio || 1;
    c.width = c.height = size * dpr;
    c.style.width = c.style.height = size + 'px';
    const g = c.getContext('2d');
    g.scale(dpr, dpr);
    drawSymbol(g, k, size / 2, size / 2, size * 0.32);
    return c;
  }

  function buildLegend() {
    const el = $('legend');
    el.innerHTML = '';
    const add = (html) => {
      const d = document.createElement('div');
      d.innerHTML = html;
      el.appendChild(d.firstElementChild || d);
      return el.lastElementChild;
    };
    const method = $('method').value, kind = $('share-kind').value;
    if ($('show-villages').checked && data.villages) {
      const label = kind === 'any' ? '任一设施 any kind' : kindInfo(kind).label;
      add(`<div class="title">村/社区 covered share — ${esc(label)}, ${esc(methodName(method))} ${esc(kind === 'any' ? methodThreshold(method) : threshold(kind, method))}</div>`);
      add('<div class="hint">field <code>' + esc(shareField(kind, method)) + '</code></div>');
      const lo = [0, ...SHARE_BREAKS], hi = [...SHARE_BREAKS, 1];
      for (let i = SHARE_COLOURS.length - 1; i >= 0; i--) {
        const text = i === SHARE_COLOURS.length - 1 ? `≥ ${lo[i] * 100}%` : i === 0 ? `< ${hi[i] * 100}% (worst)` : `${lo[i] * 100}–${hi[i] * 100}%`;
        add(`<div class="row"><span class="sw" style="background:${SHARE_COLOURS[i]}"></span>${text}</div>`);
      }
      add(`<div class="row"><span class="sw" style="background:${NO_DATA_COLOUR}"></span>no population / no data</div>`);
    }
    if ($('show-cells').checked && data.cells) {
      add('<div class="title">100 m cells</div>');
      add(`<div class="row"><span class="sw" style="background:${CELL_COLOURS.covered}"></span>covered</div>`);
      add(`<div class="row"><span class="sw" style="background:${CELL_COLOURS.uncovered}"></span>not covered</div>`);
      if (method !== 'crowfly') add(`<div class="row"><span class="sw" style="background:${CELL_COLOURS.noRoad}"></span>no road within snap distance</div>`);
    }
    if ($('show-gaps').checked && data.gaps) {
      add('<div class="title">覆盖缺口 gaps (not covered)</div>');
      for (const k of kinds) {
        if ($('gap-kind').value !== '*' && $('gap-kind').value !== k.kind) continue;
        add(`<div class="row"><span class="sw" style="background:repeating-linear-gradient(45deg, ${k.colour} 0 2px, rgba(255,255,255,0.5) 2px 5px)"></span>${esc(k.label)}</div>`);
      }
    }
    if ($('show-isochrones').checked && data.isochrones) {
      add('<div class="title">服务范围 service areas</div>');
      const mins = [...new Set(data.isochrones.features.map((f) => f.properties.minutes))].sort((a, b) => a - b);
      mins.forEach((m, i) => {
        if ($('iso-minutes').value !== '*' && Number($('iso-minutes').value) !== m) return;
        add(`<div class="row"><span class="sw" style="background:${MINUTE_COLOURS[Math.min(i, MINUTE_COLOURS.length - 1)]};opacity:0.7"></span>≤ ${m} min</div>`);
      });
    }
    if ($('show-facilities').checked && data.facilities) {
      add('<div class="title">设施 facilities</div>');
      for (const k of kinds) {
        const r = add('<div class="row"></div>');
        r.appendChild(symbolCanvas(k, 16));
        r.appendChild(document.createTextNode(k.label));
      }
    }
  }

  // ---------------------------------------------------------------- details

  function showDetails() {
    const el = $('details');
    if (!selected) {
      el.innerHTML = '<p class="hint">Click a village or a facility on the map.</p>';
      return;
    }
    const p = selected.feature.properties;
    if (selected.type === 'facility') {
      const k = kindInfo(p.kind);
      el.innerHTML = `<h3>${esc(p.name)}</h3><table>` +
        `<tr><td>kind</td><td>${esc(k.label)}</td></tr>` +
        `<tr><td>id</td><td>${esc(p.id)}</td></tr>` +
        (p.capacity != null ? `<tr><td>capacity</td><td>${fmtInt(p.capacity)}</td></tr>` : '') +
        `<tr><td>区镇 town</td><td>${esc(p.town_name)}</td></tr></table>`;
      return;
    }
    const total = data.villages ? data.villages.features.length : 0;
    let html = `<h3>${esc(p.name)}</h3><table>` +
      `<tr><td>区镇 town</td><td>${esc(p.town_name)}</td></tr>` +
      `<tr><td>code</td><td>${esc(p.code)}</td></tr>` +
      `<tr><td>type</td><td>${p.urban === 1 || p.urban === true ? '社区 urban' : '村 rural'}</td></tr>` +
      `<tr><td>人口 population</td><td>${fmtInt(p.population)}</td></tr>`;
    for (const key of Object.keys(p)) {
      if (key.startsWith('pop_')) {
        const g = key.slice(4);
        html += `<tr><td>${esc(GROUP_NAMES[g] || g)}</td><td>${fmtInt(p[key])}</td></tr>`;
      }
    }
    html += `<tr><td>rank (worst = 1)</td><td>${esc(p.rank)} / ${total} by ${esc(methodName(p.rank_method))}</td></tr>` +
      `<tr><td>uncovered people</td><td>${fmtInt(p.uncovered_pop)}</td></tr></table>`;
    html += '<table style="margin-top:6px"><thead><tr><th>share</th>' +
      methods.map((m) => `<th>${esc(m)}</th>`).join('') + '</tr></thead><tbody>';
    for (const k of [...kinds, { kind: 'any', label: '任一 any' }]) {
      html += `<tr><td>${esc(k.label)}</td>` + methods.map((m) => {
        const v = p[shareField(k.kind, m)];
        const bg = shareColour(v);
        return `<td style="background:${bg};color:${textOn(bg)}">${fmtShare(v)}</td>`;
      }).join('') + '</tr>';
    }
    el.innerHTML = html + '</tbody></table>';
  }

  // ---------------------------------------------------------------- drawing

  let drawPending = false;
  function draw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => {
      drawPending = false;
      render();
    });
  }

  function worldTransform() {
    const s = view.scale * view.dpr;
    ctx.setTransform(s, 0, 0, s, view.dpr * (view.width / 2 - view.cx * view.scale),
      view.dpr * (view.height / 2 - view.cy * view.scale));
  }
  function toScreen(x, y) {
    return [(x - view.cx) * view.scale + view.width / 2, (y - view.cy) * view.scale + view.height / 2];
  }
  function toWorld(sx, sy) {
    return [(sx - view.width / 2) / view.scale + view.cx, (sy - view.height / 2) / view.scale + view.cy];
  }
  function visibleBox() {
    const [x0, y0] = toWorld(0, 0), [x1, y1] = toWorld(view.width, view.height);
    return [x0, y0, x1, y1];
  }
  function intersects(b, v) {
    return b[2] >= v[0] && b[0] <= v[2] && b[3] >= v[1] && b[1] <= v[3];
  }

  function render() {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!origin) {
      ctx.setTransform(view.dpr, 0, 0, view.dpr, 0, 0);
      ctx.fillStyle = '#555';
      ctx.font = `14px ${font}`;
      ctx.fillText(location.protocol === 'file:' ? 'Open the viewer through scripts/view.sh (browsers block file:// reads).'
        : 'No villages.geojson or facilities.geojson found in the folder above the viewer. Run kepu15 run first.', 50, 60);
      return;
    }
    const vb = visibleBox();
    const px = 1 / view.scale; // one CSS pixel in world units
    const method = $('method').value;
    const kind = $('share-kind').value;

    if ($('show-villages').checked && data.villages) {
      worldTransform();
      const field = shareField(kind, method);
      for (const f of data.villages.features) {
        if (!intersects(f.g.bbox, vb)) continue;
        ctx.fillStyle = f.properties.population > 0 ? shareColour(f.properties[field]) : NO_DATA_COLOUR;
        ctx.fill(f.g.path, 'evenodd');
      }
    }
    if ($('show-cells').checked && data.cells) drawCells(vb, kind, method);
    if (data.water) {  // lakes and canals of the study's [layers] water, when the run wrote them
      worldTransform();
      ctx.fillStyle = 'rgba(120,170,220,0.85)';
      for (const f of data.water.features) if (intersects(f.g.bbox, vb)) ctx.fill(f.g.path, 'evenodd');
    }
    if (data.villages) {
      worldTransform();
      ctx.strokeStyle = $('show-villages').checked ? 'rgba(255,255,255,0.9)' : 'rgba(80,80,80,0.5)';
      ctx.lineWidth = 0.6 * px;
      for (const f of data.villages.features) if (intersects(f.g.bbox, vb)) ctx.stroke(f.g.path);
    }
    if ($('show-isochrones').checked && data.isochrones) drawIsochrones(vb, px);
    if ($('show-gaps').checked && data.gaps) drawGaps(vb, px);
    if (selected && selected.type === 'village') {
      worldTransform();
      ctx.strokeStyle = '#000';
      ctx.lineWidth = 3 * px;
      ctx.stroke(selected.feature.g.path);
      ctx.strokeStyle = '#ffeb3b';
      ctx.lineWidth = 1.5 * px;
      ctx.stroke(selected.feature.g.path);
    }
    ctx.setTransform(view.dpr, 0, 0, view.dpr, 0, 0);
    if ($('show-facilities').checked && data.facilities) drawFacilities();
    if ($('show-labels').checked) drawTownLabels();
    updateScaleBar();
  }

  function drawIsochrones(vb, px) {
    const k = $('iso-kind').value, p = $('iso-profile').value, m = $('iso-minutes').value;
    const mins = [...new Set(data.isochrones.features.map((f) => f.properties.minutes))].sort((a, b) => a - b);
    const feats = data.isochrones.features.filter((f) => (k === '*' || f.properties.kind === k) &&
      (p === '*' || f.properties.profile === p) && (m === '*' || f.properties.minutes === Number(m)));
    feats.sort((a, b) => b.properties.minutes - a.properties.minutes); // largest below
    worldTransform();
    for (const f of feats) {
      if (!intersects(f.g.bbox, vb)) continue;
      const c = MINUTE_COLOURS[Math.min(mins.indexOf(f.properties.minutes), MINUTE_COLOURS.length - 1)];
      ctx.globalAlpha = 0.28;
      ctx.fillStyle = c;
      ctx.fill(f.g.path, 'evenodd');
      ctx.globalAlpha = 0.9;
      ctx.strokeStyle = c;
      ctx.lineWidth = 1 * px;
      ctx.stroke(f.g.path);
    }
    ctx.globalAlpha = 1;
  }

  const hatchCache = {};
  function hatch(colour) {
    if (!hatchCache[colour]) {
      const c = document.createElement('canvas');
      c.width = c.height = 8;
      const g = c.getContext('2d');
      g.fillStyle = 'rgba(255,255,255,0.25)';
      g.fillRect(0, 0, 8, 8);
      g.strokeStyle = colour;
      g.lineWidth = 1.2;
      g.beginPath();
      g.moveTo(-2, 10); g.lineTo(10, -2);
      g.moveTo(-2, 2); g.lineTo(2, -2);
      g.moveTo(6, 10); g.lineTo(10, 6);
      g.stroke();
      hatchCache[colour] = ctx.createPattern(c, 'repeat');
    }
    return hatchCache[colour];
  }

  function drawGaps(vb, px) {
    const k = $('gap-kind').value, m = $('gap-method').value;
    worldTransform();
    for (const f of data.gaps.features) {
      const p = f.properties;
      if ((k !== '*' && p.kind !== k) || (m !== '*' && p.method !== m)) continue;
      if (!intersects(f.g.bbox, vb)) continue;
      const colour = kindInfo(p.kind).colour;
      const pat = hatch(colour);
      if (pat.setTransform) {
        // Keep the hatching at screen size whatever the zoom.
        pat.setTransform(new DOMMatrix().scale(px));
        ctx.fillStyle = pat;
      } else {
        ctx.fillStyle = colour + '55';
      }
      ctx.fill(f.g.path, 'evenodd');
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1 * px;
      ctx.stroke(f.g.path);
    }
  }

  function drawSymbol(g, k, x, y, r) {
    g.fillStyle = k.colour;
    g.strokeStyle = '#fff';
    g.lineWidth = 1.2;
    g.beginPath();
    if (k.shape === 'diamond') {
      g.moveTo(x, y - r * 1.35); g.lineTo(x + r * 1.35, y); g.lineTo(x, y + r * 1.35); g.lineTo(x - r * 1.35, y);
      g.closePath();
    } else if (k.shape === 'square') {
      g.rect(x - r, y - r, 2 * r, 2 * r);
    } else if (k.shape === 'triangle') {
      g.moveTo(x, y - r * 1.3); g.lineTo(x + r * 1.2, y + r * 0.9); g.lineTo(x - r * 1.2, y + r * 0.9);
      g.closePath();
    } else {
      g.arc(x, y, r, 0, 2 * Math.PI);
    }
    g.fill();
    g.stroke();
  }

  function facilityRadius(kindIndex) {
    // Bigger symbols for the rarer kinds (venues first), growing a little when zoomed in.
    const zoom = Math.min(Math.max(Math.log2(view.scale / fitScale) + 1, 1), 3);
    return Math.max(2.6, 5 - kindIndex) * (0.8 + 0.25 * zoom);
  }
  let fitScale = 1;

  function drawFacilities() {
    const on = new Set([...document.querySelectorAll('#facility-kinds input:checked')].map((e) => e.dataset.kind));
    // Most numerous kind first, so that rare ones (venues) stay on top.
    const order = kinds.map((k, i) => ({ k, i })).reverse();
    for (const { k, i } of order) {
      if (!on.has(k.kind)) continue;
      const r = facilityRadius(i);
      for (const f of data.facilities.features) {
        if (f.properties.kind !== k.kind) continue;
        const [sx, sy] = toScreen(f.x, f.y);
        if (sx < -10 || sy < -10 || sx > view.width + 10 || sy > view.height + 10) continue;
        drawSymbol(ctx, k, sx, sy, r);
      }
    }
    if (selected && selected.type === 'facility') {
      const [sx, sy] = toScreen(selected.feature.x, selected.feature.y);
      ctx.strokeStyle = '#000';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(sx, sy, 10, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }

  function drawTownLabels() {
    ctx.font = `600 14px ${font}`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.lineJoin = 'round';
    for (const t of towns) {
      const [sx, sy] = toScreen(t.x, t.y);
      ctx.lineWidth = 3.5;
      ctx.strokeStyle = 'rgba(255,255,255,0.92)';
      ctx.strokeText(t.name, sx, sy);
      ctx.fillStyle = '#1d2126';
      ctx.fillText(t.name, sx, sy);
    }
  }

  function updateScaleBar() {
    const mPerPx = M_PER_DEG / view.scale;
    const target = 100 * mPerPx;
    const pow = Math.pow(10, Math.floor(Math.log10(target)));
    const nice = [1, 2, 5, 10].map((n) => n * pow).filter((n) => n <= target).pop() || pow;
    const el = $('scale');
    el.style.width = nice / mPerPx + 'px';
    el.textContent = nice >= 1000 ? `${nice / 1000} km` : `${nice} m`;
  }

  // ---------------------------------------------------------------- cells (optional, large)

  const CELL_COLOURS = { covered: 'rgba(26,152,80,0.55)', uncovered: '#d7301f', noRoad: '#636363' };

  async function loadCells(ask) {
    if (ask !== false && !confirm('cells.geojson holds one polygon per populated 100 m cell: about 110 MB for Kunshan. ' +
      'Loading takes a while and about 1 GB of browser memory. Load it?')) return;
    const btn = $('load-cells');
    btn.disabled = true;
    btn.textContent = 'loading cells…';
    const fc = await fetchJson('cells.geojson');
    if (!fc) {
      btn.disabled = false;
      btn.textContent = 'load cells (~110 MB)… (failed)';
      return;
    }
    // Keep compact arrays only: corners, and the 0/1 coverage fields.
    const n = fc.features.length;
    const offsets = new Uint32Array(n + 1);
    const coords = [];
    const bbox = new Float32Array(n * 4);
    const fields = {};
    const keys = n ? Object.keys(fc.features[0].properties).filter((key) => /_covered$|_no_road_access$/.test(key)) : [];
    for (const key of keys) fields[key] = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const f = fc.features[i];
      const g = f.geometry;
      const ring = g.type === 'Polygon' ? g.coordinates[0] : g.type === 'MultiPolygon' ? g.coordinates[0][0] : [];
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (let j = 0; j < ring.length - 1; j++) {
        const [x, y] = project(ring[j][0], ring[j][1]);
        coords.push(x, y);
        x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
      }
      offsets[i + 1] = coords.length;
      bbox.set([x0, y0, x1, y1], i * 4);
      for (const key of keys) fields[key][i] = f.properties[key] ? 1 : 0;
      fc.features[i] = null; // let the parsed feature go
    }
    data.cells = { n, offsets, coords: new Float64Array(coords), bbox, fields };
    btn.textContent = `cells loaded (${n.toLocaleString('en-US')})`;
    $('show-cells').disabled = false;
    $('show-cells').checked = true;
    refreshAll();
  }

  function drawCells(vb, kind, method) {
    const c = data.cells;
    const key = (k) => (method === 'crowfly' ? `${k}_covered` : `${k}_${method}_covered`);
    const cover = kind === 'any' ? kinds.map((k) => c.fields[key(k.kind)]).filter(Boolean)
      : [c.fields[key(kind)]].filter(Boolean);
    const noRoad = method === 'crowfly' ? null : c.fields[`${method}_no_road_access`];
    const paths = { covered: new Path2D(), uncovered: new Path2D(), noRoad: new Path2D() };
    for (let i = 0; i < c.n; i++) {
      const b = i * 4;
      if (c.bbox[b + 2] < vb[0] || c.bbox[b] > vb[2] || c.bbox[b + 3] < vb[1] || c.bbox[b + 1] > vb[3]) continue;
      let cls = 'uncovered';
      if (noRoad && noRoad[i]) cls = 'noRoad';
      else if (cover.some((a) => a[i])) cls = 'covered';
      const p = paths[cls];
      const o0 = c.offsets[i], o1 = c.offsets[i + 1];
      p.moveTo(c.coords[o0], c.coords[o0 + 1]);
      for (let o = o0 + 2; o < o1; o += 2) p.lineTo(c.coords[o], c.coords[o + 1]);
      p.closePath();
    }
    worldTransform();
    for (const cls of ['covered', 'uncovered', 'noRoad']) {
      ctx.fillStyle = CELL_COLOURS[cls];
      ctx.fill(paths[cls]);
    }
  }

  // ---------------------------------------------------------------- interaction

  function fitTo(b) {
    if (!b || !isFinite(b[0])) return;
    const w = Math.max(b[2] - b[0], 1e-6), h = Math.max(b[3] - b[1], 1e-6);
    view.cx = (b[0] + b[2]) / 2;
    view.cy = (b[1] + b[3]) / 2;
    view.scale = 0.92 * Math.min(view.width / w, view.height / h);
    if (data.villages && b === data.villages.bbox) fitScale = view.scale;
    else if (fitScale === 1) fitScale = view.scale;
    draw();
  }

  function zoomAt(factor, sx, sy) {
    const [wx, wy] = toWorld(sx, sy);
    const s = Math.min(Math.max(view.scale * factor, fitScale / 8), fitScale * 400);
    view.scale = s;
    // keep the world point under the cursor where it was
    view.cx = wx - (sx - view.width / 2) / s;
    view.cy = wy - (sy - view.height / 2) / s;
    draw();
  }

  function resize() {
    const r = canvas.getBoundingClientRect();
    const first = view.width <= 1;
    view.dpr = window.devicePixelRatio || 1;
    view.width = Math.max(r.width, 1);
    view.height = Math.max(r.height, 1);
    canvas.width = Math.round(view.width * view.dpr);
    canvas.height = Math.round(view.height * view.dpr);
    if (first && data.villages) fitTo(data.villages.bbox);
    draw();
  }

  function pick(sx, sy) {
    if ($('show-facilities').checked && data.facilities) {
      const on = new Set([...document.querySelectorAll('#facility-kinds input:checked')].map((e) => e.dataset.kind));
      let best = null, bestD = 8;
      for (const f of data.facilities.features) {
        if (!on.has(f.properties.kind)) continue;
        const [x, y] = toScreen(f.x, f.y);
        const d = Math.hypot(x - sx, y - sy);
        if (d < bestD) { bestD = d; best = f; }
      }
      if (best) return { type: 'facility', feature: best };
    }
    if (data.villages) {
      const [wx, wy] = toWorld(sx, sy);
      for (const f of data.villages.features) {
        const b = f.g.bbox;
        if (wx < b[0] || wx > b[2] || wy < b[1] || wy > b[3]) continue;
        if (pointInRings(f.g.rings, wx, wy)) return { type: 'village', feature: f };
      }
    }
    return null;
  }

  let drag = null;
  canvas.addEventListener('pointerdown', (e) => {
    drag = { x: e.clientX, y: e.clientY, cx: view.cx, cy: view.cy, moved: false };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) {
      drag.moved = true;
      canvas.classList.add('dragging');
    }
    if (drag.moved) {
      view.cx = drag.cx - dx / view.scale;
      view.cy = drag.cy - dy / view.scale;
      draw();
    }
  });
  canvas.addEventListener('pointerup', (e) => {
    if (drag && !drag.moved) {
      const r = canvas.getBoundingClientRect();
      selected = pick(e.clientX - r.left, e.clientY - r.top);
      showDetails();
      draw();
    }
    drag = null;
    canvas.classList.remove('dragging');
  });
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const r = canvas.getBoundingClientRect();
    const dy = e.deltaMode === 1 ? e.deltaY * 33 : e.deltaY;
    zoomAt(Math.exp(-dy * 0.0015), e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  $('zoom-in').addEventListener('click', () => zoomAt(1.6, view.width / 2, view.height / 2));
  $('zoom-out').addEventListener('click', () => zoomAt(1 / 1.6, view.width / 2, view.height / 2));
  $('zoom-fit').addEventListener('click', () => data.villages && fitTo(data.villages.bbox));
  window.addEventListener('keydown', (e) => {
    if (e.target.tagName === 'SELECT' || e.target.tagName === 'INPUT') return;
    if (e.key === '+' || e.key === '=') zoomAt(1.6, view.width / 2, view.height / 2);
    if (e.key === '-') zoomAt(1 / 1.6, view.width / 2, view.height / 2);
  });

  if (window.ResizeObserver) new ResizeObserver(resize).observe($('map-wrap'));
  else window.addEventListener('resize', resize);
  resize();
  load().catch((e) => {
    $('status').textContent = 'viewer error: ' + e.message;
    $('status').classList.add('error');
    console.error(e);
  });
})();
