// kepu15 map viewer on MapLibre GL JS (vendored by scripts/vendor-web.sh; no tile server, no CDN).
// Reads ../manifest.json written by `kepu15 run` (kinds, methods, field names, thresholds, colour
// breaks) and the GeoJSON layers beside it; the background is the study's own towns, roads, water.
// URL parameters: lang=en, view=villages|cells, kind=<kind>|any, method=<method>,
// scenario=<folder of a second run, relative to this page or absolute> (swipe comparison),
// compare=<folder written by `kepu15 compare`> (its baseline/ and scenario/ runs with the swipe, the
// newly covered and lost areas with their population, the change per 区镇 from compare.json),
// swipe=0..100, town=<code> (zoom), village=<code> (open its popup).
'use strict';

const I18N = {
  zh: {
    view: '显示', view_villages: '村/社区覆盖率', view_cells: '100米格网时间', kind: '设施', method: '方法',
    export: '导出PNG', print: '打印', legend: '图例', layers: '图层', gaps: '服务缺口', isochrones: '服务范围',
    facilities: '设施', labels: '村名', newly: '方案新增覆盖', towns: '区镇覆盖率', any: '任一类设施',
    share: '覆盖人口比例', not_reached: '分钟内无法到达', minutes: '分钟', metres: '米', region: '全域',
    population: '人口', uncovered: '未覆盖人口', rank: '排名（1=最差）', town: '区镇', code: '编码',
    no_data: '无人口', gap_line: '服务缺口（阈值以外）', water: '水系', roads_major: '主要道路', roads_minor: '次要道路',
    town_border: '区镇界', village_border: '村/社区界', service_area: '服务范围', threshold: '阈值',
    synthetic: '合成数据（非真实，仅供演示）', baseline: '现状', scenario: '方案', loading: '加载中…',
    cells_loading: '正在加载100米格网（文件较大）…', no_manifest: '找不到 manifest.json：请先运行 kepu15 run（scripts/run.sh），再用 scripts/view.sh 打开。',
    source: '数据来源：{study}。计算：{gen}，运行日期 {date}。底图：研究自带的道路、水系与区镇/村界。',
    cell: '100米格网', gap_villages: '个村/社区', groups: '人群', mean: '平均', data_date: '数据日期', newly_villages: '覆盖率提高的村/社区', scale: '比例尺',
    lost: '方案失去覆盖', compare: '方案对比', before: '现状', after: '方案', change: '变化（百分点）', cells_n: '格网数',
    newly_area: '方案新增覆盖区域', lost_area: '方案失去覆盖区域',
  },
  en: {
    view: 'Show', view_villages: 'village coverage', view_cells: '100 m cells: minutes', kind: 'Kind', method: 'Method',
    export: 'Export PNG', print: 'Print', legend: 'Legend', layers: 'Layers', gaps: 'Gaps', isochrones: 'Service areas',
    facilities: 'Facilities', labels: 'Village names', newly: 'Newly covered (scenario)', towns: 'Coverage by town',
    any: 'any kind', share: 'share of residents covered', not_reached: 'min: not reached', minutes: 'min', metres: 'm',
    region: 'Region', population: 'Population', uncovered: 'Uncovered', rank: 'Rank (1 = worst)', town: 'Town',
    code: 'Code', no_data: 'no population', gap_line: 'gap (beyond the threshold)', water: 'Water',
    roads_major: 'major road', roads_minor: 'minor road', town_border: 'town boundary', village_border: 'village boundary',
    service_area: 'service area', threshold: 'threshold', synthetic: 'SYNTHETIC data (not real, demo only)',
    baseline: 'baseline', scenario: 'scenario', loading: 'loading…', cells_loading: 'loading the 100 m cells (large file)…',
    no_manifest: 'manifest.json not found: run `kepu15 run` (scripts/run.sh) first, then open it with scripts/view.sh.',
    source: 'Data: {study}. Computed by {gen} on {date}. Background: the study\'s own roads, water and boundaries.',
    cell: '100 m cell', gap_villages: 'villages', groups: 'Groups', mean: 'mean', data_date: 'data date', newly_villages: 'villages whose coverage rose', scale: 'Scale',
    lost: 'Coverage lost (scenario)', compare: 'Scenario comparison', before: 'baseline', after: 'scenario', change: 'change (points)',
    cells_n: 'cells', newly_area: 'newly covered by the scenario', lost_area: 'coverage lost in the scenario',
  },
};

const params = new URLSearchParams(location.search);
const state = {
  lang: params.get('lang') === 'en' ? 'en' : 'zh',
  view: params.get('view') === 'cells' ? 'cells' : 'villages',
  kind: params.get('kind') || 'any',
  method: params.get('method') || '',
  base: '../',
  scenario: params.get('scenario'),
  compare: params.get('compare'),
};
const t = (key) => I18N[state.lang][key] || key;
const el = (id) => document.getElementById(id);
const data = {};       // baseline: manifest, summary, layers
const scen = {};       // scenario run, when compared
const cmp = {};        // compare folder: compare.json, newly covered and lost areas
let map = null;
let mapScenario = null;

function setStatus(text, error) {
  const s = el('status');
  s.textContent = text || '';
  s.className = error ? 'error' : '';
}

async function fetchJson(url, optional) {
  const r = await fetch(url, { cache: 'no-cache' });
  if (!r.ok) {
    if (optional) return null;
    throw new Error(`${url}: HTTP ${r.status}`);
  }
  return r.json();
}

const emptyCollection = { type: 'FeatureCollection', features: [] };

async function loadRun(folder, into) {
  into.folder = folder;
  into.manifest = await fetchJson(folder + 'manifest.json');
  if (into.manifest.format !== 'kepu15-manifest') throw new Error(folder + 'manifest.json: not a kepu15 manifest');
  into.summary = await fetchJson(folder + 'summary.json');
  into.layers = {};
  const wanted = ['villages', 'gaps', 'facilities', 'water', 'towns', 'roads', 'isochrones'];
  await Promise.all(wanted.map(async (name) => {
    const entry = into.manifest.layers[name];
    into.layers[name] = entry ? await fetchJson(folder + entry.file, true) : null;
  }));
  // Layers of other commands (siting, scenarios), when the run wrote them.
  for (const extra of ['sites', 'newly_covered', 'lost_coverage']) {
    const listed = (into.manifest.files || []).includes(extra + '.geojson');
    into.layers[extra] = listed ? await fetchJson(folder + extra + '.geojson', true) : null;
  }
}

// ---- what is drawn -------------------------------------------------------------------------

const methodEntry = (m) => data.manifest.methods.find((e) => e.method === m) || { method: m, label_zh: m, label_en: m, unit: 'min' };
const methodLabel = (m) => methodEntry(m)[state.lang === 'en' ? 'label_en' : 'label_zh'];
const kindEntry = (k) => data.manifest.kinds.find((e) => e.kind === k);
const kindLabel = (k) => (k === 'any' ? t('any') : (kindEntry(k) ? kindEntry(k).label : k));
const measureOf = (k, m) => data.manifest.measures.find((e) => e.kind === k && e.method === m);
const fmtInt = (v) => (v == null ? '–' : Math.round(v).toLocaleString('en-US'));
const fmtPct = (v) => (v == null || Number.isNaN(v) ? '–' : (v * 100).toFixed(1) + '%');
const fmtNum = (v) => (Math.round(v * 100) / 100).toString();

function villageShareField() {
  if (state.kind === 'any') {
    const a = data.manifest.any_kind.find((e) => e.method === state.method);
    return a ? a.villages.share : null;
  }
  const m = measureOf(state.kind, state.method);
  return m ? m.villages.share : null;
}

// A MapLibre step expression over `field`: colours[i] up to breaks[i]; `none` for null.
function stepExpr(field, breaks, colours, none) {
  const expr = ['step', ['to-number', ['get', field]], colours[0]];
  for (let i = 0; i + 1 < colours.length; ++i) expr.push(breaks[i] + 1e-9, colours[i + 1]);
  if (colours.length <= breaks.length - 1) expr.push(breaks[breaks.length - 2] + 1e-9, none);
  return ['case', ['==', ['get', field], null], none, expr];
}

function villageFill() {
  const field = villageShareField();
  const sh = data.manifest.share;
  if (!field) return '#cccccc';
  return stepExpr(field, sh.breaks, sh.colours, '#dddddd');
}

function cellFill() {
  const kind = state.kind === 'any' ? data.manifest.kinds[0].kind : state.kind;
  const m = measureOf(kind, state.method);
  if (!m) return '#cccccc';
  const v = ['to-number', ['get', m.cells.value]];
  const expr = ['step', v, m.colours[0]];
  for (let i = 0; i < m.breaks.length; ++i) expr.push(m.breaks[i] + 1e-9, m.colours[Math.min(i + 1, m.colours.length - 1)]);
  return ['case', ['==', ['get', m.cells.value], null], m.no_value_colour, expr];
}

function kindColourExpr() {
  const expr = ['match', ['get', 'kind']];
  for (const [k, c] of Object.entries(data.manifest.kind_colours)) expr.push(k, c);
  expr.push('#888888');
  return expr;
}

function measureFilter(kindField, methodField) {
  const kinds = state.kind === 'any' ? data.manifest.kinds.map((k) => k.kind) : [state.kind];
  return ['all', ['in', ['get', kindField], ['literal', kinds]], ['==', ['get', methodField], state.method]];
}

// Gap patches (one feature per contiguous patch of uncovered cells): those of the kind and method,
// or with "any kind" those no kind covers (the manifest names their kind value).
function gapFilter() {
  if (state.kind !== 'any') return measureFilter('kind', 'method');
  const entry = (data.manifest.layers && data.manifest.layers.gaps) || {};
  return ['all', ['==', ['get', 'kind'], entry.any_kind || 'any'], ['==', ['get', 'method'], state.method]];
}

function style(run) {
  const sources = {};
  const layers = [{ id: 'background', type: 'background', paint: { 'background-color': '#ffffff' } }];
  const add = (name) => {
    if (!run.layers[name]) return false;
    sources[name] = { type: 'geojson', data: run.layers[name], promoteId: name === 'villages' ? 'code' : undefined };
    return true;
  };
  if (add('towns')) layers.push({ id: 'land', type: 'fill', source: 'towns', paint: { 'fill-color': '#f2efe9' } });
  sources.cells = { type: 'geojson', data: emptyCollection };
  if (add('villages')) {
    layers.push({ id: 'villages-fill', type: 'fill', source: 'villages', paint: { 'fill-color': villageFill(), 'fill-opacity': 0.9 } });
  }
  layers.push({ id: 'cells-fill', type: 'fill', source: 'cells', paint: { 'fill-color': cellFill(), 'fill-antialias': false } });
  if (add('water')) layers.push({ id: 'water', type: 'fill', source: 'water', paint: { 'fill-color': '#a6c8e0', 'fill-outline-color': '#6b9cc3' } });
  if (add('isochrones')) {
    layers.push({ id: 'isochrones', type: 'line', source: 'isochrones', layout: { visibility: 'none' },
      paint: { 'line-color': '#aa3377', 'line-width': 1.5 } });
  }
  if (add('newly_covered')) layers.push({ id: 'newly', type: 'fill', source: 'newly_covered', paint: { 'fill-color': '#ee3377', 'fill-opacity': 0.6 } });
  if (add('lost_coverage')) layers.push({ id: 'lost', type: 'fill', source: 'lost_coverage', paint: { 'fill-color': '#4477aa', 'fill-opacity': 0.6 } });
  if (add('roads')) {
    layers.push({ id: 'roads-minor', type: 'line', source: 'roads', filter: ['!=', ['get', 'class'], 'major'],
      paint: { 'line-color': '#666666', 'line-opacity': 0.5, 'line-width': 0.6 } });
    layers.push({ id: 'roads-major', type: 'line', source: 'roads', filter: ['==', ['get', 'class'], 'major'],
      paint: { 'line-color': '#333333', 'line-opacity': 0.8, 'line-width': 1.6 } });
  }
  if (run.layers.villages) {
    layers.push({ id: 'villages-line', type: 'line', source: 'villages', paint: { 'line-color': '#444444', 'line-opacity': 0.5, 'line-width': 0.5 } });
    layers.push({ id: 'villages-hover', type: 'line', source: 'villages',
      paint: { 'line-color': '#000000', 'line-width': ['case', ['boolean', ['feature-state', 'hover'], false], 2.5, 0] } });
  }
  if (add('gaps')) {
    // An invisible fill so that a click finds the patch under the pointer (its figures join the popup).
    layers.push({ id: 'gaps-fill', type: 'fill', source: 'gaps', filter: gapFilter(), paint: { 'fill-opacity': 0 } });
    layers.push({ id: 'gaps', type: 'line', source: 'gaps', filter: gapFilter(),
      paint: { 'line-color': '#d81b60', 'line-width': 1.6, 'line-dasharray': [3, 2] } });
  }
  if (run.layers.towns) layers.push({ id: 'towns-line', type: 'line', source: 'towns', paint: { 'line-color': '#1a1a1a', 'line-width': 1.6 } });
  if (add('facilities')) {
    layers.push({ id: 'facilities', type: 'circle', source: 'facilities',
      paint: { 'circle-color': kindColourExpr(), 'circle-radius': ['interpolate', ['linear'], ['zoom'], 9, 2.5, 14, 6],
        'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1 } });
  }
  if (add('sites')) {
    layers.push({ id: 'sites', type: 'circle', source: 'sites',
      paint: { 'circle-color': '#ffffff', 'circle-radius': 7, 'circle-stroke-color': '#000000', 'circle-stroke-width': 2.5 } });
  }
  const font = ['Noto Sans CJK SC Regular'];
  if (run.layers.villages) {
    layers.push({ id: 'village-labels', type: 'symbol', source: 'villages', minzoom: 10.5,
      layout: { 'text-field': ['get', 'name'], 'text-size': 11, 'text-font': font, 'text-padding': 3 },
      paint: { 'text-color': '#222222', 'text-halo-color': '#ffffff', 'text-halo-width': 1.4 } });
  }
  if (run.layers.towns) {
    layers.push({ id: 'town-labels', type: 'symbol', source: 'towns',
      layout: { 'text-field': ['get', 'name'], 'text-size': 14, 'text-font': font },
      paint: { 'text-color': '#111111', 'text-halo-color': '#ffffff', 'text-halo-width': 2 } });
  }
  return { version: 8, sources, layers };
}

// Bounding box of GeoJSON features (lon/lat).
function bbox(features) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]);
      b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
    } else c.forEach(walk);
  };
  features.forEach((f) => f.geometry && walk(f.geometry.coordinates));
  return b;
}

function regionBox() {
  const src = data.layers.towns || data.layers.villages || data.layers.facilities;
  return bbox(src ? src.features : []);
}

function townBox(code) {
  if (data.layers.towns) {
    const f = data.layers.towns.features.filter((x) => x.properties.code === code);
    if (f.length) return bbox(f);
  }
  const v = data.layers.villages ? data.layers.villages.features.filter((x) => x.properties.town_code === code) : [];
  return v.length ? bbox(v) : null;
}

// ---- map updates ---------------------------------------------------------------------------

function eachMap(fn) {
  [map, mapScenario].forEach((m) => { if (m && m.isStyleLoaded()) fn(m); });
}

function applyState() {
  eachMap((m) => {
    if (m.getLayer('villages-fill')) {
      m.setPaintProperty('villages-fill', 'fill-color', villageFill());
      m.setLayoutProperty('villages-fill', 'visibility', state.view === 'villages' ? 'visible' : 'none');
    }
    m.setPaintProperty('cells-fill', 'fill-color', cellFill());
    m.setLayoutProperty('cells-fill', 'visibility', state.view === 'cells' ? 'visible' : 'none');
    if (m.getLayer('gaps')) {
      for (const id of ['gaps', 'gaps-fill']) {
        m.setFilter(id, gapFilter());
        m.setLayoutProperty(id, 'visibility', el('show-gaps').checked ? 'visible' : 'none');
      }
    }
    if (m.getLayer('isochrones')) {
      m.setFilter('isochrones', measureFilter('kind', 'profile'));
      m.setLayoutProperty('isochrones', 'visibility', el('show-isochrones').checked ? 'visible' : 'none');
    }
    if (m.getLayer('facilities')) {
      const kinds = state.kind === 'any' ? data.manifest.kinds.map((k) => k.kind) : [state.kind];
      m.setFilter('facilities', ['in', ['get', 'kind'], ['literal', kinds]]);
      m.setLayoutProperty('facilities', 'visibility', el('show-facilities').checked ? 'visible' : 'none');
    }
    if (m.getLayer('village-labels')) m.setLayoutProperty('village-labels', 'visibility', el('show-labels').checked ? 'visible' : 'none');
    if (m.getLayer('newly')) m.setLayoutProperty('newly', 'visibility', el('show-newly').checked ? 'visible' : 'none');
    for (const id of ['newly', 'lost', 'cmp-newly', 'cmp-lost']) {
      if (!m.getLayer(id)) continue;
      const shown = el(id.endsWith('lost') ? 'show-lost' : 'show-newly').checked;
      m.setLayoutProperty(id, 'visibility', shown ? 'visible' : 'none');
      if (cmp.json) m.setFilter(id, measureFilter('kind', 'method'));
    }
  });
  if (state.view === 'cells') loadCells();
  renderLegend();
  renderTowns();
  renderCompare();
  renderTexts();
  const q = new URLSearchParams(location.search);
  q.set('kind', state.kind); q.set('method', state.method); q.set('view', state.view); q.set('lang', state.lang);
  history.replaceState(null, '', '?' + q.toString());
}

let cellsLoading = null;
function loadCells() {
  if (cellsLoading) return cellsLoading;
  setStatus(t('cells_loading'));
  const load = async (run, m) => {
    const c = await fetchJson(run.folder + run.manifest.layers.cells.file);
    m.getSource('cells').setData(c);
  };
  cellsLoading = Promise.all([load(data, map), mapScenario ? load(scen, mapScenario) : null])
    .then(() => setStatus(''))
    .catch((e) => setStatus(e.message, true));
  return cellsLoading;
}

function legendRows() {
  const rows = [];
  if (state.view === 'villages') {
    const sh = data.manifest.share;
    rows.push({ h: `${kindLabel(state.kind)} · ${methodLabel(state.method)} · ${t('share')}` });
    let lower = 0;
    sh.breaks.forEach((b, i) => {
      rows.push({ sw: sh.colours[i], text: i === 0 ? `< ${Math.round(b * 100)}%` : `${Math.round(lower * 100)}–${Math.round(b * 100)}%` });
      lower = b;
    });
    rows.push({ sw: '#dddddd', text: t('no_data') });
  } else {
    const kind = state.kind === 'any' ? data.manifest.kinds[0].kind : state.kind;
    const m = measureOf(kind, state.method);
    if (m) {
      const unit = m.unit === 'm' ? t('metres') : t('minutes');
      rows.push({ h: `${kindLabel(kind)} · ${methodLabel(state.method)} (${unit})` });
      let lower = 0;
      m.breaks.forEach((b, i) => {
        rows.push({ sw: m.colours[i], text: i === 0 ? `≤ ${fmtNum(b)}` : `${fmtNum(lower)}–${fmtNum(b)}` });
        lower = b;
      });
      rows.push({ sw: m.colours[m.breaks.length], text: `> ${fmtNum(lower)}` });
      if (m.unit !== 'm') rows.push({ sw: m.no_value_colour, text: `${fmtNum(data.manifest.horizon_minutes)} ${t('not_reached')}` });
    }
  }
  rows.push({ h: t('layers') });
  if (el('show-gaps').checked && data.layers.gaps) rows.push({ ln: true, text: t('gap_line') });
  if (el('show-isochrones').checked && data.layers.isochrones) rows.push({ ln: true, colour: '#aa3377', text: t('service_area') });
  if (el('show-facilities').checked) {
    for (const k of data.manifest.kinds) {
      if (state.kind === 'any' || state.kind === k.kind) rows.push({ dot: data.manifest.kind_colours[k.kind], text: k.label });
    }
  }
  if (data.layers.sites) rows.push({ dot: '#ffffff', text: state.lang === 'en' ? 'proposed site' : '拟建设施点' });
  if (data.layers.water) rows.push({ sw: '#a6c8e0', text: t('water') });
  if (data.layers.roads) rows.push({ line: '#333333', text: t('roads_major') }, { line: '#999999', text: t('roads_minor') });
  if (data.layers.towns) rows.push({ line: '#1a1a1a', text: t('town_border') });
  if (data.layers.villages) rows.push({ line: '#999999', thin: true, text: t('village_border') });
  if (mapScenario) rows.push({ sw: '#ee3377', text: t('newly_villages') });
  return rows;
}

function renderLegend() {
  const box = el('legend');
  box.replaceChildren();
  for (const r of legendRows()) {
    if (r.h) {
      const h = document.createElement('h3');
      h.textContent = r.h;
      box.append(h);
      continue;
    }
    const row = document.createElement('div');
    row.className = 'row';
    const s = document.createElement('span');
    if (r.sw) { s.className = 'sw'; s.style.background = r.sw; }
    if (r.ln) { s.className = 'ln'; if (r.colour) s.style.borderTopColor = r.colour; }
    if (r.dot) { s.className = 'dot'; s.style.background = r.dot; }
    if (r.line) { s.className = 'ln'; s.style.borderTop = `${r.thin ? 1 : 2}px solid ${r.line}`; }
    const text = document.createElement('span');
    text.textContent = r.text;
    row.append(s, text);
    box.append(row);
  }
}

function shareOf(entry, kind, method) {
  if (kind === 'any') return entry.any_kind && entry.any_kind[method] ? entry.any_kind[method].share : null;
  const k = entry.kinds && entry.kinds[kind];
  if (!k) return null;
  if (method === 'crowfly') return k.crowfly ? k.crowfly.share : null;
  return k.network && k.network[method] ? k.network[method].share : null;
}

function renderTowns() {
  el('towns-method').textContent = methodLabel(state.method);
  const kinds = [...data.manifest.kinds.map((k) => k.kind), 'any'];
  const table = document.createElement('table');
  const head = document.createElement('tr');
  for (const h of [t('town'), t('population'), ...kinds.map(kindLabel)]) {
    const th = document.createElement('th');
    th.textContent = h;
    head.append(th);
  }
  const thead = document.createElement('thead');
  thead.append(head);
  const body = document.createElement('tbody');
  const addRow = (name, entry, code) => {
    const tr = document.createElement('tr');
    tr.dataset.code = code || '';
    const cells = [name, fmtInt(entry.population), ...kinds.map((k) => fmtPct(shareOf(entry, k, state.method)))];
    for (const c of cells) {
      const td = document.createElement('td');
      td.textContent = c;
      tr.append(td);
    }
    tr.addEventListener('click', () => zoomTo(code));
    body.append(tr);
  };
  addRow(t('region'), data.summary.region, '');
  for (const u of data.summary.units) addRow(u.name, u, u.code);
  table.append(thead, body);
  el('towns').replaceChildren(table);
}

function zoomTo(code) {
  const b = code ? townBox(code) : regionBox();
  if (b && Number.isFinite(b[0])) map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 30, duration: 0 });
}

function renderTexts() {
  document.documentElement.lang = state.lang === 'en' ? 'en' : 'zh-CN';
  document.querySelectorAll('[data-i18n]').forEach((n) => { n.textContent = t(n.dataset.i18n); });
  el('lang').textContent = state.lang === 'en' ? '中文' : 'English';
  const st = data.manifest.study;
  el('title').textContent = st.name;
  const m = state.kind === 'any' ? null : measureOf(state.kind, state.method);
  const thr = m ? ` · ${t('threshold')} ${fmtNum(m.threshold)} ${m.unit === 'm' ? t('metres') : t('minutes')}` : '';
  el('subtitle').textContent = `${kindLabel(state.kind)} · ${methodLabel(state.method)}${thr} · ${t('data_date')} ${data.manifest.generated}` +
    (st.synthetic ? ` · ${t('synthetic')}` : '');
  el('source').textContent = t('source').replace('{study}', st.name).replace('{gen}', data.manifest.generator)
    .replace('{date}', data.manifest.generated);
  el('label-base').textContent = t('baseline');
  el('label-scenario').textContent = t('scenario');
  const kindSel = el('kind');
  kindSel.replaceChildren(...[...data.manifest.kinds.map((k) => k.kind), 'any'].map((k) => new Option(kindLabel(k), k)));
  kindSel.value = state.kind;
  const methodSel = el('method');
  methodSel.replaceChildren(...data.manifest.methods.map((m2) => new Option(methodLabel(m2.method), m2.method)));
  methodSel.value = state.method;
}

// ---- popups --------------------------------------------------------------------------------

function villagePopupHtml(p) {
  const esc = (s) => String(s == null ? '' : s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
  const man = data.manifest;
  let html = `<div class="popup"><h3>${esc(p.name)}</h3><div>${esc(p.town_name)} · ${t('code')} ${esc(p.code)}</div>`;
  html += `<div>${t('population')} ${fmtInt(p.population)}`;
  for (const g of man.groups) html += ` · ${esc(state.lang === 'en' ? g.label_en : g.label_zh)} ${fmtInt(p[g.field])}`;
  html += `</div><div>${t('uncovered')} ${fmtInt(p.uncovered_pop)} · ${t('rank')} ${esc(p.rank)}</div>`;
  html += `<table><tr><th>${t('kind')}</th>`;
  for (const m of man.methods) {
    const unit = m.unit === 'm' ? t('metres') : t('minutes');
    const thr = man.measures.find((x) => x.method === m.method);
    html += `<th>${esc(state.lang === 'en' ? m.label_en : m.label_zh)}<br><small>${thr ? fmtNum(thr.threshold) : ''} ${unit}</small></th>`;
  }
  html += '</tr>';
  for (const k of [...man.kinds.map((x) => x.kind), 'any']) {
    html += `<tr><td>${esc(kindLabel(k))}</td>`;
    for (const m of man.methods) {
      let field = null;
      let mean = null;
      if (k === 'any') field = (man.any_kind.find((a) => a.method === m.method) || { villages: {} }).villages.share;
      else {
        const me = measureOf(k, m.method);
        field = me ? me.villages.share : null;
        mean = me && me.villages.mean ? p[me.villages.mean] : null;
      }
      // Share covered, and the population-weighted mean minutes (metres) to the nearest facility.
      const avg = mean == null ? '' : `<br><small>${t('mean')} ${fmtNum(mean)}</small>`;
      html += `<td>${field ? fmtPct(p[field]) : '–'}${avg}</td>`;
    }
    html += '</tr>';
  }
  return html + '</table></div>';
}

function cellPopupHtml(p) {
  const man = data.manifest;
  let html = `<div class="popup"><h3>${t('cell')} ${p.cell_id}</h3><div>${p.village_name || ''} · ${p.town_name || ''}</div>`;
  html += `<div>${t('population')} ${fmtNum(p.population)}</div><table><tr><th>${t('kind')}</th>`;
  for (const m of man.methods) html += `<th>${methodLabel(m.method)} (${m.unit === 'm' ? t('metres') : t('minutes')})</th>`;
  html += '</tr>';
  for (const k of man.kinds) {
    html += `<tr><td>${k.label}</td>`;
    for (const m of man.methods) {
      const me = measureOf(k.kind, m.method);
      const v = me ? p[me.cells.value] : null;
      html += `<td>${v == null ? '–' : fmtNum(v)}</td>`;
    }
    html += '</tr>';
  }
  return html + '</table></div>';
}

// The gap patch under a click: its people, area and distance to the nearest facility.
function gapPopupHtml(p) {
  const mean = p.mean_min != null ? `${fmtNum(p.mean_min)} ${t('minutes')}` : p.mean_dist_m != null ? `${fmtInt(p.mean_dist_m)} ${t('metres')}` : '–';
  return `<div class="popup gap"><b>${t('gaps')} ${p.patch_id}</b><div>${t('population')} ${fmtInt(p.population)} · ` +
    `${fmtNum(p.area_km2)} km² · ${t('mean')} ${mean}</div><div>${p.town_name || ''} · ${p.villages} ${t('gap_villages')}</div></div>`;
}

function wirePopups(m) {
  const hover = new maplibregl.Popup({ closeButton: false, closeOnClick: false, offset: 8 });
  let hovered = null;
  m.on('mousemove', 'villages-fill', (e) => {
    const f = e.features[0];
    if (hovered !== null) m.setFeatureState({ source: 'villages', id: hovered }, { hover: false });
    hovered = f.id;
    m.setFeatureState({ source: 'villages', id: hovered }, { hover: true });
    m.getCanvas().style.cursor = 'pointer';
    const field = villageShareField();
    hover.setLngLat(e.lngLat).setHTML(`<b>${f.properties.name}</b> ${field ? fmtPct(f.properties[field]) : ''}`).addTo(m);
  });
  m.on('mouseleave', 'villages-fill', () => {
    if (hovered !== null) m.setFeatureState({ source: 'villages', id: hovered }, { hover: false });
    hovered = null;
    m.getCanvas().style.cursor = '';
    hover.remove();
  });
  m.on('click', (e) => {
    const layers = state.view === 'cells' ? ['facilities', 'cells-fill', 'villages-fill'] : ['facilities', 'villages-fill'];
    layers.splice(1, 0, 'cmp-newly', 'cmp-lost');
    const hits = m.queryRenderedFeatures(e.point, { layers: layers.filter((l) => m.getLayer(l)) });
    if (!hits.length) return;
    const f = hits[0];
    let html;
    if (f.layer.id === 'cmp-newly' || f.layer.id === 'cmp-lost') {
      const p = f.properties;
      html = `<div class="popup change"><h3>${t(f.layer.id === 'cmp-newly' ? 'newly_area' : 'lost_area')}</h3>` +
        `<div>${kindLabel(p.kind)} · ${methodLabel(p.method)}</div>` +
        `<div>${t('population')} <b class="pop">${fmtInt(p.population)}</b> · ${fmtInt(p.cells)} ${t('cells_n')}</div></div>`;
    } else if (f.layer.id === 'facilities') {
      html = `<div class="popup"><h3>${f.properties.name || f.properties.id}</h3><div>${f.properties.label} · ${f.properties.id}</div>` +
        `<div>${f.properties.town_name || ''}</div></div>`;
    } else if (f.layer.id === 'cells-fill') html = cellPopupHtml(f.properties);
    else html = villagePopupHtml(f.properties);
    const gap = m.getLayer('gaps-fill') ? m.queryRenderedFeatures(e.point, { layers: ['gaps-fill'] })[0] : null;
    if (gap) html += gapPopupHtml(gap.properties);
    hover.remove();
    new maplibregl.Popup({ offset: 6 }).setLngLat(e.lngLat).setHTML(html).addTo(m);
  });
}

function openVillage(code) {
  const f = data.layers.villages && data.layers.villages.features.find((x) => x.properties.code === code);
  if (!f) return;
  const b = bbox([f]);
  map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 80, duration: 0, maxZoom: 14 });
  new maplibregl.Popup().setLngLat([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2]).setHTML(villagePopupHtml(f.properties)).addTo(map);
}

// ---- scenario comparison -------------------------------------------------------------------

// Villages whose any-kind share rose in the scenario: drawn on the scenario map.
function risenVillages() {
  const field = (data.manifest.any_kind.find((a) => a.method === state.method) || { villages: {} }).villages.share;
  const before = new Map((data.layers.villages ? data.layers.villages.features : []).map((f) => [f.properties.code, f.properties[field]]));
  const features = (scen.layers.villages ? scen.layers.villages.features : [])
    .filter((f) => f.properties[field] != null && f.properties[field] > (before.get(f.properties.code) || 0) + 1e-9);
  return { type: 'FeatureCollection', features };
}

function setSwipe(value) {
  el('swipe').value = value;
  const w = el('map-wrap').clientWidth;
  el('map-scenario').style.clipPath = `inset(0 0 0 ${Math.round((w * value) / 100)}px)`;
}

async function setupScenario() {
  const folder = state.scenario.endsWith('/') ? state.scenario : state.scenario + '/';
  await loadRun(folder, scen);
  const box = el('map-scenario');
  box.hidden = false;
  el('swipe').hidden = false;
  el('swipe-labels').hidden = false;
  mapScenario = new maplibregl.Map({ container: box, style: style(scen), center: map.getCenter(), zoom: map.getZoom(),
    attributionControl: false, canvasContextAttributes: { preserveDrawingBuffer: true }, localIdeographFontFamily: LOCAL_FONT });
  await new Promise((resolve) => mapScenario.on('load', resolve));
  const risen = risenVillages();
  window.kepu15.risenVillages = risen.features.length;
  mapScenario.addSource('risen', { type: 'geojson', data: risen });
  mapScenario.addLayer({ id: 'risen', type: 'line', source: 'risen', paint: { 'line-color': '#ee3377', 'line-width': 2.5 } });
  // The scenario map follows the baseline map; the swipe reveals it right of the handle.
  const sync = () => mapScenario.jumpTo({ center: map.getCenter(), zoom: map.getZoom(), bearing: map.getBearing(), pitch: map.getPitch() });
  map.on('move', sync);
  sync();
  el('swipe').addEventListener('input', (e) => setSwipe(Number(e.target.value)));
  setSwipe(Number(params.get('swipe') || 50));
  // The baseline map takes the pointer; the scenario map is only seen.
  box.style.pointerEvents = 'none';
  el('newly-box').hidden = !scen.layers.newly_covered;
}

// The compare folder's own layers on the baseline map (the map that takes the pointer), so a click
// on a newly covered or lost area shows its population.
async function setupCompare() {
  const add = (id, name, colour) => {
    map.addSource(id, { type: 'geojson', data: cmp.layers[name] || emptyCollection });
    map.addLayer({ id, type: 'fill', source: id, filter: measureFilter('kind', 'method'),
      paint: { 'fill-color': colour, 'fill-opacity': 0.55, 'fill-outline-color': colour } }, map.getLayer('facilities') ? 'facilities' : undefined);
  };
  add('cmp-newly', 'newly_covered', '#ee3377');
  add('cmp-lost', 'lost_coverage', '#4477aa');
  el('newly-box').hidden = false;
  el('lost-box').hidden = false;
  el('compare-box').hidden = false;
}

// The change per 区镇 of the shown kind and method (any kind: the first kind), from compare.json.
function renderCompare() {
  if (!cmp.json) return;
  const kind = state.kind === 'any' ? data.manifest.kinds[0].kind : state.kind;
  const key = state.method === 'crowfly' ? kind : `${kind}_${state.method}`;
  el('compare-measure').textContent = `${kindLabel(kind)} · ${methodLabel(state.method)}`;
  const rows = cmp.json.rows.filter((r) => r.measure === key && (r.level === 'region' || r.level === 'town'));
  const table = document.createElement('table');
  const head = document.createElement('tr');
  for (const h of [t('town'), t('before'), t('after'), t('change')]) {
    const th = document.createElement('th');
    th.textContent = h;
    head.append(th);
  }
  const thead = document.createElement('thead');
  thead.append(head);
  const body = document.createElement('tbody');
  for (const r of rows) {
    const tr = document.createElement('tr');
    tr.dataset.code = r.level === 'region' ? '' : r.code;
    const change = r.share_change == null ? '–' : `${r.share_change >= 0 ? '+' : ''}${(r.share_change * 100).toFixed(1)}`;
    for (const c of [r.level === 'region' ? t('region') : r.name, fmtPct(r.share_before), fmtPct(r.share_after), change]) {
      const td = document.createElement('td');
      td.textContent = c;
      tr.append(td);
    }
    if (r.share_change > 0) tr.className = 'rose';
    tr.addEventListener('click', () => zoomTo(tr.dataset.code));
    body.append(tr);
  }
  table.append(thead, body);
  el('compare-table').replaceChildren(table);
}

// ---- export and print ----------------------------------------------------------------------

// Metres per CSS pixel at the map centre (Web Mercator, 512 px tiles).
function metresPerPixel() {
  const lat = map.getCenter().lat;
  return (40075016.686 * Math.cos((lat * Math.PI) / 180)) / (512 * 2 ** map.getZoom());
}

// A sheet of the paper's shape (150 dpi): title, subtitle, the map, legend, scale bar, source line.
function exportPng() {
  const paper = el('paper').value;
  const [wmm, hmm] = paper === 'A3' ? [420, 297] : [297, 210];
  const dpi = 150;
  const px = (mm) => Math.round((mm / 25.4) * dpi);
  const c = document.createElement('canvas');
  c.width = px(wmm); c.height = px(hmm);
  const g = c.getContext('2d');
  g.fillStyle = '#fff'; g.fillRect(0, 0, c.width, c.height);
  const font = (size, bold) => `${bold ? 'bold ' : ''}${px(size * 0.3528)}px "Noto Sans CJK SC", sans-serif`;
  g.fillStyle = '#000'; g.textBaseline = 'top';
  g.font = font(16, true); g.fillText(el('title').textContent, px(10), px(8));
  g.font = font(9); g.fillText(el('subtitle').textContent, px(10), px(17));
  const legendW = px(65);
  const frame = { x: px(10), y: px(24), w: c.width - px(20) - legendW - px(5), h: c.height - px(24) - px(14) };
  const src = map.getCanvas();
  const scale = Math.min(frame.w / src.width, frame.h / src.height);
  const dw = src.width * scale; const dh = src.height * scale;
  g.drawImage(src, frame.x, frame.y, dw, dh);
  if (mapScenario) {
    const cut = (Number(el('swipe').value) / 100) * src.width;
    const s2 = mapScenario.getCanvas();
    g.drawImage(s2, cut, 0, s2.width - cut, s2.height, frame.x + cut * scale, frame.y, (s2.width - cut) * scale, dh);
  }
  g.strokeStyle = '#000'; g.lineWidth = 2; g.strokeRect(frame.x, frame.y, dw, dh);
  // Scale bar: a round length near a fifth of the frame.
  const cssPerCanvas = map.getContainer().clientWidth / src.width;
  const mPerSheetPx = (metresPerPixel() * cssPerCanvas) / scale;
  const target = (dw * mPerSheetPx) / 5;
  const mag = 10 ** Math.floor(Math.log10(target));
  const nice = [1, 2, 5, 10].map((f) => f * mag).filter((v) => v <= target).pop();
  const barW = nice / mPerSheetPx;
  const bx = frame.x + px(5); const by = frame.y + dh - px(10);
  g.fillStyle = 'rgba(255,255,255,.85)'; g.fillRect(bx - px(2), by - px(5), barW + px(16), px(11));
  for (let i = 0; i < 4; ++i) {
    g.fillStyle = i % 2 ? '#fff' : '#000'; g.fillRect(bx + (barW * i) / 4, by, barW / 4, px(1.6));
  }
  g.strokeRect(bx, by, barW, px(1.6));
  g.fillStyle = '#000'; g.font = font(7);
  g.fillText('0', bx - px(1), by - px(4));
  g.fillText(nice >= 1000 ? `${nice / 1000} km` : `${nice} m`, bx + barW - px(3), by - px(4));
  // North arrow (the map is never rotated).
  const nx = frame.x + dw - px(10); const ny = frame.y + px(6);
  g.beginPath(); g.moveTo(nx, ny + px(3)); g.lineTo(nx + px(3), ny + px(12)); g.lineTo(nx, ny + px(9.5));
  g.lineTo(nx - px(3), ny + px(12)); g.closePath(); g.fillStyle = '#000'; g.fill();
  g.font = font(8, true); g.fillText(state.lang === 'en' ? 'N' : '北', nx - px(1.6), ny - px(1.5));
  // Legend.
  let ly = frame.y; const lx = frame.x + dw + px(5);
  for (const r of legendRows()) {
    if (r.h) { g.font = font(8.5, true); g.fillStyle = '#000'; g.fillText(r.h, lx, ly + px(1)); ly += px(6); continue; }
    const sw = { x: lx, y: ly + px(0.5), w: px(7), h: px(3.6) };
    if (r.sw) { g.fillStyle = r.sw; g.fillRect(sw.x, sw.y, sw.w, sw.h); g.strokeStyle = '#888'; g.lineWidth = 1; g.strokeRect(sw.x, sw.y, sw.w, sw.h); }
    if (r.dot) { g.beginPath(); g.arc(sw.x + sw.w / 2, sw.y + sw.h / 2, px(1.5), 0, 7); g.fillStyle = r.dot; g.fill(); g.strokeStyle = '#444'; g.stroke(); }
    if (r.ln || r.line) {
      g.strokeStyle = r.line || r.colour || '#d81b60'; g.lineWidth = r.thin ? 1 : 3;
      g.setLineDash(r.ln ? [8, 5] : []); g.beginPath(); g.moveTo(sw.x, sw.y + sw.h / 2); g.lineTo(sw.x + sw.w, sw.y + sw.h / 2); g.stroke(); g.setLineDash([]);
    }
    g.fillStyle = '#000'; g.font = font(7.5); g.fillText(r.text, lx + px(9), ly);
    ly += px(5);
  }
  g.font = font(6.5); g.fillStyle = '#444'; g.fillText(el('source').textContent, px(10), c.height - px(9));
  const a = document.createElement('a');
  a.download = `kepu15-${state.kind}-${state.method}-${paper}.png`;
  a.href = c.toDataURL('image/png');
  document.body.append(a);
  a.click();
  a.remove();
  return { width: c.width, height: c.height };
}

function setPrintPaper() {
  let s = document.getElementById('print-page');
  if (!s) { s = document.createElement('style'); s.id = 'print-page'; document.head.append(s); }
  s.textContent = `@media print { @page { size: ${el('paper').value} landscape; } }`;
}

// ---- start ---------------------------------------------------------------------------------

const LOCAL_FONT = '"Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif';

async function main() {
  setStatus(I18N[state.lang].loading);
  if (state.compare) {
    const folder = state.compare.endsWith('/') ? state.compare : state.compare + '/';
    try {
      cmp.json = await fetchJson(folder + 'compare.json');
      cmp.layers = {};
      for (const name of ['newly_covered', 'lost_coverage']) cmp.layers[name] = await fetchJson(folder + name + '.geojson', true);
      state.base = folder + (cmp.json.folders ? cmp.json.folders.baseline : 'baseline/');
      state.scenario = folder + (cmp.json.folders ? cmp.json.folders.scenario : 'scenario/');
    } catch (e) {
      setStatus(`${state.compare}: ${e.message}`, true);
      return;
    }
  }
  try {
    await loadRun(state.base, data);
  } catch (e) {
    setStatus(`${t('no_manifest')} (${e.message})`, true);
    return;
  }
  const man = data.manifest;
  if (!man.methods.some((m) => m.method === state.method)) state.method = man.primary_method;
  if (state.kind !== 'any' && !kindEntry(state.kind)) state.kind = 'any';
  const b = regionBox();
  map = new maplibregl.Map({ container: 'map', style: style(data), bounds: [[b[0], b[1]], [b[2], b[3]]],
    fitBoundsOptions: { padding: 20 }, attributionControl: false, localIdeographFontFamily: LOCAL_FONT,
    canvasContextAttributes: { preserveDrawingBuffer: true } });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  window.kepu15 = { map, state, data, cmp, applyState, exportPng, setSwipe, scenarioMap: () => mapScenario };
  await new Promise((resolve) => map.on('load', resolve));
  wirePopups(map);
  if (cmp.json) await setupCompare();
  if (state.scenario) {
    try {
      await setupScenario();
    } catch (e) {
      setStatus(`${state.scenario}: ${e.message}`, true);
    }
  }
  el('view').value = state.view;
  el('view').addEventListener('change', (e) => { state.view = e.target.value; applyState(); });
  el('kind').addEventListener('change', (e) => { state.kind = e.target.value; applyState(); });
  el('method').addEventListener('change', (e) => { state.method = e.target.value; applyState(); });
  for (const id of ['show-gaps', 'show-isochrones', 'show-facilities', 'show-labels', 'show-newly', 'show-lost']) el(id).addEventListener('change', applyState);
  el('lang').addEventListener('click', () => { state.lang = state.lang === 'en' ? 'zh' : 'en'; applyState(); });
  el('export').addEventListener('click', exportPng);
  el('print').addEventListener('click', () => { setPrintPaper(); window.print(); });
  el('paper').addEventListener('change', setPrintPaper);
  window.addEventListener('beforeprint', () => map.resize());
  window.addEventListener('afterprint', () => map.resize());
  applyState();
  setStatus('');
  if (params.get('town')) zoomTo(params.get('town'));
  if (params.get('village')) openVillage(params.get('village'));
  await new Promise((resolve) => (map.loaded() ? resolve() : map.once('idle', resolve)));
  document.body.dataset.ready = '1';
}

main();
