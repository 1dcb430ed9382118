// geostream live page: follows /events, keeps the last windows for the
// slider, draws each window's posts on a Leaflet map (a disc per cluster
// and place, changed slide by slide), lists its events, and keeps the view
// (map centre and zoom, selection, filter, pause, slider) in the URL's
// hash. Text from the stream is only ever set as textContent.
'use strict';

(() => {
  // Anything the Content-Security-Policy refused, counted for the tests.
  let refused = 0;
  document.addEventListener('securitypolicyviolation', () => { document.body.dataset.cspRefused = String(++refused); });
  const $ = (id) => document.getElementById(id);
  const el = {
    status: $('status'), statusText: $('status-text'),
    pause: $('pause'), slider: $('slider'), sliderLabel: $('slider-label'), newest: $('newest'),
    mapPane: $('map-pane'), history: $('history'), historySince: $('history-since'),
    historyStart: $('history-start'), historyCancel: $('history-cancel'), historyState: $('history-state'),
    map: $('map'), card: $('card'), time: $('window-time'),
    events: $('event-list'), eventsNone: $('events-none'),
    filter: $('filter'), wrap: $('table-wrap'), tbody: document.querySelector('#clusters tbody'), empty: $('empty'),
    examples: $('examples'), exTitle: $('examples-title'), exList: $('example-list'), exNone: $('examples-none'),
  };

  // windows: retained slides, oldest first ({id, image, window});
  // history: the windows rebuilt from the stream's history, oldest first
  // (with --nats, on request), shown before the retained ones.
  const state = {
    windows: [], history: [], run: null, retain: 30, status: null, online: null, // null: not yet connected
    view: { sel: null, q: '', paused: false, at: null, ll: null, z: null },
  };
  const rows = new Map(); // cluster id -> <tr>, reused across updates

  const seqOf = (id) => Number(String(id).split('-')[1]);
  const runOf = (id) => String(id).split('-')[0];

  // The view lives in the hash: #ll=48.85,2.35&z=9&sel=3&q=storm&paused=1&at=<id>.
  function readView() {
    const p = new URLSearchParams(location.hash.slice(1));
    const sel = p.get('sel');
    const ll = (p.get('ll') || '').split(',').map(Number);
    const z = Number(p.get('z'));
    state.view = {
      sel: sel !== null && /^\d+$/.test(sel) ? Number(sel) : null,
      q: p.get('q') || '',
      paused: p.get('paused') === '1',
      at: p.get('at') || null,
      ll: ll.length === 2 && ll.every(Number.isFinite) && Math.abs(ll[0]) <= 90 ? ll : null,
      z: p.get('z') !== null && Number.isFinite(z) && z >= 0 && z <= 18 ? z : null,
    };
  }

  function writeView() {
    const v = state.view;
    const p = new URLSearchParams();
    if (v.ll) p.set('ll', `${v.ll[0].toFixed(4)},${v.ll[1].toFixed(4)}`);
    if (v.z !== null) p.set('z', String(v.z));
    if (v.sel !== null) p.set('sel', String(v.sel));
    if (v.q) p.set('q', v.q);
    if (v.paused) p.set('paused', '1');
    if (v.at) p.set('at', v.at);
    const hash = p.toString();
    if (hash !== location.hash.slice(1)) {
      history.replaceState(null, '', hash ? '#' + hash : location.pathname + location.search);
    }
  }

  function addWindow(msg) {
    if (!msg || typeof msg.id !== 'string') return;
    const run = runOf(msg.id);
    if (state.run !== run) { // the analyzer restarted: its windows are new
      // A view held on another run's window (a restart seen here, or an
      // old link) cannot be shown: back to the newest; and cluster ids
      // mean other clusters now.
      const v = state.view;
      const held = v.at !== null && runOf(v.at) !== run;
      if (held || state.run !== null) {
        v.sel = null;
        if (held) { v.at = null; v.paused = false; }
        writeView();
      }
      if (state.run !== null) state.windows = [];
      state.run = run;
    }
    if (state.windows.some((w) => w.id === msg.id)) return;
    state.windows.push({ id: msg.id, image: msg.image, window: msg.window });
    state.windows.sort((a, b) => seqOf(a.id) - seqOf(b.id));
    // Keep the window the view is on (paused, or on the slider) even when
    // the analyzer no longer does: the page has its map and table.
    while (state.windows.length > state.retain) {
      state.windows.splice(state.windows[0].id === state.view.at ? 1 : 0, 1);
    }
  }

  // timeline is what the slider goes over: the rebuilt windows that end
  // before the oldest retained one, then the retained ones.
  function timeline() {
    if (state.history.length === 0) return state.windows;
    const first = state.windows[0];
    const cut = first ? Date.parse(first.window.end) : Infinity;
    return state.history.filter((x) => Date.parse(x.window.end) < cut).concat(state.windows);
  }

  // The window on screen: the one the view holds, else the newest.
  function shownIndex() {
    const w = timeline();
    if (w.length === 0) return -1;
    if (state.view.at) {
      const i = w.findIndex((x) => x.id === state.view.at);
      if (i >= 0) return i;
      // It is not here (a link from before, or another run): the oldest we
      // have if it was older than them all, else the newest.
      if (runOf(state.view.at) === state.run && state.history.length === 0 && seqOf(state.view.at) < seqOf(w[0].id)) return 0;
    }
    return w.length - 1;
  }

  const pad = (n) => String(n).padStart(2, '0');
  function clock(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return '';
    return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  }
  function day(iso) {
    const d = new Date(iso);
    return isNaN(d) ? '' : d.toISOString().slice(0, 10);
  }
  function span(w) {
    return `${day(w.end)} ${clock(w.start)}–${clock(w.end)} UTC`;
  }

  function renderStatus() {
    const s = state.status || {};
    const newest = state.windows[state.windows.length - 1];
    let kind; let text;
    if (state.online === null) {
      kind = 'connecting'; text = 'connecting to the analyzer…';
    } else if (s.input === 'ended') { // the analyzer may have stopped since: nothing more will come
      kind = 'ended'; text = 'input ended: showing the last windows';
    } else if (!state.online) {
      kind = 'offline'; text = 'reconnecting to the analyzer…';
    } else if (s.stale) {
      kind = 'stale'; text = 'stale: no new window for a while';
    } else if (s.input === 'reconnecting') {
      kind = 'reconnecting'; text = 'reconnecting to the scraper…';
    } else if (s.input === 'connecting') {
      kind = 'connecting'; text = 'connecting to the scraper…';
    } else if (s.input === 'reading') {
      kind = 'reading'; text = 'reading the input';
    } else {
      kind = 'connected'; text = 'connected';
    }
    if (newest) text += ` · newest window ${span(newest.window)}`;
    if (state.view.paused) text += ' · paused';
    el.status.dataset.state = kind;
    el.statusText.textContent = text;
  }

  function matches(c, q) {
    if (!q) return true;
    const needle = q.toLowerCase();
    return c.keywords.some((k) => k.toLowerCase().includes(needle));
  }

  function changeCell(td, c) {
    td.classList.remove('up', 'down', 'new');
    if (c.new) {
      td.textContent = 'new';
      td.classList.add('new');
    } else if (c.change > 0) {
      td.textContent = '+' + c.change;
      td.classList.add('up');
    } else if (c.change < 0) {
      td.textContent = '\u2212' + -c.change;
      td.classList.add('down');
    } else {
      td.textContent = '0';
    }
  }

  function rowFor(id) {
    let tr = rows.get(id);
    if (tr) return tr;
    tr = document.createElement('tr');
    tr.tabIndex = 0;
    tr.dataset.cluster = String(id);
    for (let i = 0; i < 5; i++) tr.appendChild(document.createElement('td'));
    const sw = document.createElement('span');
    sw.className = 'swatch';
    tr.cells[0].appendChild(sw);
    tr.cells[2].className = 'num';
    tr.cells[3].className = 'num';
    tr.addEventListener('click', () => select(id));
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select(id); }
    });
    rows.set(id, tr);
    return tr;
  }

  function renderTable(w) {
    const scroll = el.wrap.scrollTop;
    const pageY = window.scrollY;
    const keep = new Set();
    let visible = 0;
    let prev = null;
    for (const c of w ? w.clusters : []) {
      const tr = rowFor(c.id);
      keep.add(c.id);
      tr.cells[0].firstChild.style.backgroundColor = c.colour || '#808080';
      tr.cells[1].textContent = 'C' + c.id;
      tr.cells[2].textContent = String(c.size);
      changeCell(tr.cells[3], c);
      tr.cells[4].textContent = c.keywords.join(', ');
      tr.classList.toggle('selected', state.view.sel === c.id);
      tr.setAttribute('aria-selected', state.view.sel === c.id ? 'true' : 'false');
      tr.hidden = !matches(c, state.view.q);
      if (!tr.hidden) visible++;
      // Into the window's order, moving a row only when it is out of
      // place: a row moved loses the keyboard focus.
      const at = prev ? prev.nextSibling : el.tbody.firstChild;
      if (at !== tr) el.tbody.insertBefore(tr, at);
      prev = tr;
    }
    for (const [id, tr] of rows) {
      if (!keep.has(id)) { tr.remove(); rows.delete(id); }
    }
    el.empty.hidden = visible > 0 || !w;
    el.empty.textContent = w && w.clusters.length ? 'No cluster has a keyword matching the filter.' : 'No clusters in this window.';
    el.wrap.scrollTop = scroll;
    window.scrollTo(window.scrollX, pageY);
  }

  const located = { point: 'GPS point', place: 'tagged place', profile: "author's profile", text: 'place named in the text' };

  // A window's example posts, fetched once it is shown with a cluster
  // selected: slide id -> {cluster id: [post]}, or a pending fetch.
  const examples = new Map();
  function examplesOf(msg) {
    const got = examples.get(msg.id);
    if (got !== undefined) return got instanceof Promise ? null : got;
    // A window the analyzer no longer keeps (404) has none to give; a
    // failure (the analyzer restarting, a network error) is asked again at
    // the next update.
    const p = fetch('/api/examples/' + encodeURIComponent(msg.id), { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : r.status === 404 ? {} : null))
      .catch(() => null)
      .then((ex) => {
        if (ex === null) { examples.delete(msg.id); return; }
        examples.set(msg.id, ex);
        const kept = timeline();
        for (const id of examples.keys()) { // keep those of retained windows
          if (!kept.some((w) => w.id === id)) examples.delete(id);
        }
        render();
      });
    examples.set(msg.id, p);
    return null;
  }

  function renderExamples(msg) {
    const sel = state.view.sel;
    const w = msg ? msg.window : null;
    if (sel === null || !w) { el.examples.hidden = true; return; }
    el.examples.hidden = false;
    const c = w.clusters.find((x) => x.id === sel);
    if (!c) {
      el.exList.replaceChildren();
      delete el.exList.dataset.cluster;
      el.exTitle.textContent = `C${sel}`;
      el.exNone.textContent = `C${sel} has no posts in this window.`;
      el.exNone.hidden = false;
      return;
    }
    el.exTitle.textContent = `C${c.id} · ${c.size} posts · ${c.keywords.join(', ')}`;
    const ex = examplesOf(msg);
    if (ex === null) { // on its way: keep the cluster's tweets shown until it comes
      if (el.exList.dataset.cluster !== String(c.id)) {
        el.exList.replaceChildren();
        el.exNone.textContent = 'Loading the posts…';
        el.exNone.hidden = false;
      }
      return;
    }
    const list = ex[String(c.id)] || [];
    el.exList.replaceChildren();
    el.exList.dataset.cluster = String(c.id);
    el.exNone.hidden = list.length > 0;
    el.exNone.textContent = 'No example posts for this cluster.';
    for (const x of list) {
      const li = document.createElement('li');
      const t = document.createElement('p');
      t.className = 'text';
      t.textContent = x.text;
      const m = document.createElement('p');
      m.className = 'meta';
      const where = `${x.lat.toFixed(2)}, ${x.lon.toFixed(2)}`;
      // Points and places are as precise as they come; an inferred place
      // says how precise it is.
      const level = x.located === 'profile' || x.located === 'text' ? ` (${x.level})` : '';
      m.textContent = [x.place, where, `located by ${located[x.located] || x.located}${level}`].filter(Boolean).join(' · ');
      li.append(t, m);
      el.exList.appendChild(li);
    }
  }

  function render() {
    const all = timeline();
    const i = shownIndex();
    const msg = i >= 0 ? all[i] : null;
    const w = msg ? msg.window : null;
    const n = all.length;
    const past = !!(msg && msg.history);
    el.slider.max = String(Math.max(0, n - 1));
    el.slider.value = String(Math.max(0, i));
    el.slider.disabled = n < 2;
    el.sliderLabel.textContent = msg ? `${past ? 'history · ' : ''}${i + 1} of ${n} · ${clock(w.end)}` : 'no window yet';
    el.mapPane.classList.toggle('past', past);
    document.body.dataset.shownHistory = past ? '1' : '';
    el.pause.textContent = state.view.paused ? 'Resume' : 'Pause';
    el.pause.setAttribute('aria-pressed', state.view.paused ? 'true' : 'false');
    el.newest.disabled = !state.view.paused && (i === n - 1);
    drawMap(msg);
    renderEvents(msg);
    el.time.textContent = w ? `${past ? 'History, rebuilt from the stream · ' : ''}${span(w)} · ${w.tweets} posts, ${w.located} located, ${w.clusters.length} clusters` : '';
    document.body.dataset.shownId = msg ? msg.id : '';
    document.body.dataset.shownEnd = w ? w.end : '';
    renderTable(w);
    renderExamples(msg);
    renderStatus();
  }

  function select(id) {
    state.view.sel = state.view.sel === id ? null : id;
    writeView();
    render();
  }

  // ---- The map ----------------------------------------------------------
  // live holds the newest window's discs (key -> [cluster, lon, lat, kind,
  // posts]), kept up to date by each slide's change; liveId is its window.
  // drawn holds the layers on the map, by key; a disc is drawn again only
  // when it changed, so the map never jumps and a page open for hours
  // holds one window's discs.
  const live = new Map();
  let liveId = null;
  const drawn = new Map();
  const past = new Map(); // window id -> discs of a window on the slider (a few)
  const keyOf = (d) => `${d[0]},${d[1]},${d[2]},${d[3]}`;
  const map = L.map(el.map, {
    preferCanvas: true, minZoom: 1, maxZoom: 14, zoomSnap: 0.5, worldCopyJump: true,
    attributionControl: false, maxBounds: [[-90, -540], [90, 540]],
  });
  window.geostreamMap = map; // for scripts and tests that drive the page
  map.createPane('base');
  map.getPane('base').style.zIndex = 250;
  const discLayer = L.featureGroup().addTo(map);
  const eventLayer = L.featureGroup().addTo(map);
  fetch('/api/basemap', { credentials: 'same-origin' })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.statusText))))
    .then((g) => {
      L.geoJSON(g, {
        pane: 'base', interactive: false, smoothFactor: 1.5, renderer: L.canvas({ pane: 'base', padding: 0.3 }),
        style: { color: '#b9b3a8', weight: 0.6, fillColor: '#f7f5ef', fillOpacity: 1 },
      }).addTo(map);
      document.body.dataset.basemap = 'drawn';
    })
    .catch(() => { document.body.dataset.basemap = 'failed'; });

  map.on('moveend', () => {
    const c = map.getCenter().wrap();
    state.view.ll = [c.lat, c.lng];
    state.view.z = map.getZoom();
    writeView();
  });

  function colourOf(w, id) {
    const c = w && w.clusters.find((x) => x.id === id);
    return (c && c.colour) || '#9a9a9a';
  }

  function discStyle(d, colour, sel) {
    const radius = Math.min(28, 2.5 + 2.2 * Math.sqrt(d[4]));
    const dim = sel !== null && d[0] !== sel;
    const on = sel !== null && d[0] === sel;
    if (d[3] === 1) { // placed from a profile or the text: a ring
      return { radius, color: colour, weight: on ? 3 : 1.6, opacity: dim ? 0.25 : 0.95, fill: false };
    }
    return {
      radius, color: on ? '#1d2430' : '#ffffff', weight: on ? 2 : 0.6, opacity: dim ? 0.3 : 0.9,
      fill: true, fillColor: colour, fillOpacity: dim ? 0.2 : 0.75,
    };
  }

  // applyDiscs takes a slide's discs into live: all of them, or the change
  // from the window live holds; a change from another window (a slide
  // missed) fetches them all.
  function applyDiscs(msg) {
    const d = msg.discs;
    if (!d) return;
    if (d.all) {
      live.clear();
      for (const x of d.all) live.set(keyOf(x), x);
      liveId = msg.id;
    } else if (d.from === liveId && liveId !== null) {
      for (const x of d.del || []) live.delete(keyOf(x));
      for (const x of d.set || []) live.set(keyOf(x), x);
      liveId = msg.id;
    } else {
      liveId = null;
      fetchDiscs(msg.id).then((all) => {
        if (!all || (liveId !== null && seqOf(liveId) >= seqOf(msg.id))) return;
        live.clear();
        for (const [k, x] of all) live.set(k, x);
        liveId = msg.id;
        render();
      });
    }
  }

  function fetchDiscs(id) {
    return fetch('/api/discs/' + encodeURIComponent(id), { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : null))
      .then((j) => (j && j.all ? new Map(j.all.map((x) => [keyOf(x), x])) : null))
      .catch(() => null);
  }

  // discsFor returns the discs of the window on screen, or null while they
  // are fetched (the map keeps what it shows until they come).
  function discsFor(msg) {
    if (msg.id === liveId) return live;
    const got = past.get(msg.id);
    if (got !== undefined) return got instanceof Promise ? null : got;
    const p = fetchDiscs(msg.id).then((all) => {
      if (all === null) { past.delete(msg.id); return; }
      past.set(msg.id, all);
      for (const id of past.keys()) if (past.size > 3 && id !== msg.id) past.delete(id);
      render();
    });
    past.set(msg.id, p);
    return null;
  }

  function drawMap(msg) {
    if (!msg) return;
    const discs = discsFor(msg);
    if (discs === null) return;
    const w = msg.window;
    const sel = state.view.sel;
    const colours = new Map(w.clusters.map((c) => [c.id, c.colour || '#9a9a9a']));
    for (const [k, layer] of drawn) {
      if (!discs.has(k)) { discLayer.removeLayer(layer); drawn.delete(k); }
    }
    for (const [k, d] of discs) {
      const colour = colours.get(d[0]) || '#9a9a9a';
      let layer = drawn.get(k);
      if (!layer) {
        layer = L.circleMarker([d[2], d[1]], discStyle(d, colour, sel));
        layer.disc = d;
        layer.look = colour + sel;
        discLayer.addLayer(layer);
        if (d[4] > 2) layer.bringToBack(); // small discs stay within reach on top of large ones
        drawn.set(k, layer);
      } else if (layer.disc !== d || layer.look !== colour + sel) {
        const st = discStyle(d, colour, sel);
        if (layer.disc[4] !== d[4]) layer.setRadius(st.radius);
        layer.setStyle(st);
        layer.disc = d;
        layer.look = colour + sel;
      }
    }
    document.body.dataset.discs = String(drawn.size);
    document.body.dataset.drawnId = msg.id;
  }

  const kindText = ['placed exactly (GPS or a tagged place)', "placed from the author's profile or the text"];
  function showCard(layer, ev) {
    const i = shownIndex();
    const w = i >= 0 ? timeline()[i].window : null;
    const d = layer.disc;
    const c = w && w.clusters.find((x) => x.id === d[0]);
    const title = document.createElement('p');
    title.className = 'title';
    title.textContent = `C${d[0]}` + (c ? ` · ${c.size} posts in the window` : '');
    const kw = document.createElement('p');
    kw.textContent = c && c.keywords.length ? c.keywords.join(', ') : 'no keywords';
    const here = document.createElement('p');
    here.className = 'meta';
    here.textContent = `${d[4]} post${d[4] === 1 ? '' : 's'} here, ${kindText[d[3]] || ''} · ${d[2].toFixed(2)}, ${d[1].toFixed(2)}`;
    el.card.replaceChildren(title, kw, here);
    el.card.dataset.cluster = String(d[0]);
    const box = el.map.getBoundingClientRect();
    const fig = el.map.parentElement.getBoundingClientRect();
    const x = ev ? ev.clientX : box.left;
    const y = ev ? ev.clientY : box.top;
    el.card.style.left = `${Math.min(x - fig.left + 14, fig.width - 200)}px`;
    el.card.style.top = `${y - fig.top + 14}px`;
    el.card.hidden = false;
  }
  discLayer.on('mouseover', (e) => showCard(e.layer, e.originalEvent));
  discLayer.on('mousemove', (e) => showCard(e.layer, e.originalEvent));
  discLayer.on('mouseout', () => { el.card.hidden = true; });
  discLayer.on('click', (e) => { L.DomEvent.stopPropagation(e); select(e.layer.disc[0]); });

  // From the keyboard, with the map focused: N and P go from disc to disc
  // in view (the selected cluster's, or every cluster's), largest first,
  // each with its card beside it; Enter selects the disc's cluster (or
  // lets it go); Escape closes the card. Arrows pan and + and − zoom, as
  // Leaflet does.
  let kbDisc = null;
  function discsInView() {
    const sel = state.view.sel;
    const view = map.getBounds();
    const out = [];
    for (const layer of drawn.values()) {
      if ((sel === null || layer.disc[0] === sel) && view.contains(layer.getLatLng())) out.push(layer);
    }
    return out.sort((a, b) => b.disc[4] - a.disc[4] || a.disc[0] - b.disc[0] || a.disc[1] - b.disc[1] || a.disc[2] - b.disc[2]);
  }
  el.map.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const k = e.key.toLowerCase();
    if (k === 'n' || k === 'p') {
      e.preventDefault();
      const list = discsInView();
      if (!list.length) {
        kbDisc = null;
        el.card.replaceChildren(Object.assign(document.createElement('p'), { textContent: 'no disc in view' }));
        delete el.card.dataset.cluster;
        el.card.hidden = false;
        return;
      }
      const i = list.indexOf(kbDisc);
      kbDisc = list[i < 0 ? 0 : (i + (k === 'n' ? 1 : list.length - 1)) % list.length];
      const at = map.latLngToContainerPoint(kbDisc.getLatLng());
      const box = el.map.getBoundingClientRect();
      showCard(kbDisc, { clientX: box.left + at.x, clientY: box.top + at.y });
    } else if (e.key === 'Enter' && kbDisc && !el.card.hidden && drawn.get(keyOf(kbDisc.disc)) === kbDisc) {
      e.preventDefault();
      select(kbDisc.disc[0]);
    } else if (e.key === 'Escape') {
      el.card.hidden = true;
      kbDisc = null;
    }
  });

  // ---- Events -------------------------------------------------------------
  function renderEvents(msg) {
    const w = msg ? msg.window : null;
    const evs = (w && w.events) || [];
    eventLayer.clearLayers();
    el.events.replaceChildren();
    el.eventsNone.hidden = evs.length > 0;
    const ex = evs.length && msg ? examplesOf(msg) : null;
    for (const e of evs) {
      const ring = L.circle([e.lat, e.lon], {
        radius: Math.max(1, e.radius_km) * 1000, color: '#b42318', weight: 2, dashArray: '5 4', fill: false,
      });
      const label = document.createElement('span');
      label.textContent = (e.new ? 'new · ' : '') + (e.keywords.slice(0, 3).join(' ') || `event ${e.id}`);
      const marker = L.marker([e.lat, e.lon], {
        icon: L.divIcon({ className: 'event-label', html: label, iconSize: null, iconAnchor: [0, 0] }),
        keyboard: false, title: `event ${e.id}`,
      });
      for (const l of [ring, marker]) {
        l.on('click', () => select(e.cluster));
        eventLayer.addLayer(l);
      }
      const li = document.createElement('li');
      li.dataset.event = String(e.id);
      li.dataset.cluster = String(e.cluster);
      li.tabIndex = 0;
      li.classList.toggle('selected', state.view.sel === e.cluster);
      const head = document.createElement('p');
      head.className = 'head';
      if (e.new) {
        const b = document.createElement('span');
        b.className = 'badge';
        b.textContent = 'new';
        head.appendChild(b);
      }
      head.appendChild(document.createTextNode(e.keywords.join(', ') || `event ${e.id}`));
      const meta = document.createElement('p');
      meta.className = 'meta';
      meta.textContent = `C${e.cluster} · ${e.posts} posts (+${e.slide}) · ${e.lat.toFixed(2)}, ${e.lon.toFixed(2)}` +
        ` within ${Math.round(e.radius_km)} km · since ${clock(e.first_seen)} UTC`;
      li.append(head, meta);
      for (const x of ((ex && ex['e' + e.id]) || []).slice(0, 3)) {
        const p = document.createElement('p');
        p.className = 'post';
        p.textContent = x.text;
        li.appendChild(p);
      }
      const go = () => { select(e.cluster); if (state.view.sel === e.cluster) map.panTo([e.lat, e.lon]); };
      li.addEventListener('click', go);
      li.addEventListener('keydown', (k) => { if (k.key === 'Enter' || k.key === ' ') { k.preventDefault(); go(); } });
      el.events.appendChild(li);
    }
  }

  el.pause.addEventListener('click', () => {
    const v = state.view;
    if (v.paused) {
      v.paused = false;
      v.at = null;
    } else {
      const i = shownIndex();
      v.paused = true;
      v.at = i >= 0 ? timeline()[i].id : null;
    }
    writeView();
    render();
  });

  el.newest.addEventListener('click', () => {
    state.view.paused = false;
    state.view.at = null;
    writeView();
    render();
  });

  el.slider.addEventListener('input', () => {
    const i = Number(el.slider.value);
    const all = timeline();
    const n = all.length;
    if (i < 0 || i >= n) return;
    state.view.at = i === n - 1 && !state.view.paused ? null : all[i].id;
    writeView();
    render();
  });

  el.filter.addEventListener('input', () => {
    state.view.q = el.filter.value.trim();
    writeView();
    render();
  });

  window.addEventListener('hashchange', () => {
    readView();
    el.filter.value = state.view.q;
    const v = state.view;
    if (v.ll && v.z !== null) {
      const c = map.getCenter();
      if (Math.abs(c.lat - v.ll[0]) > 1e-4 || Math.abs(c.lng - v.ll[1]) > 1e-4 || map.getZoom() !== v.z) {
        map.setView(v.ll, v.z, { animate: false });
      }
    }
    render();
  });

  // loadWindows fills the history with every window the analyzer keeps.
  function loadWindows() {
    return fetch('/api/windows', { credentials: 'same-origin', cache: 'no-store' })
      .then((r) => (r.ok ? r.json() : []))
      .then((list) => {
        for (const m of list) addWindow(m);
        render();
      })
      .catch(() => {});
  }

  // When slides come faster than a stream sends them (a replay), the
  // stream skips to the newest; the skipped ones are fetched, at most
  // twice a second.
  let refill = null;
  function fillGaps() {
    if (refill !== null) return;
    refill = setTimeout(() => { loadWindows().finally(() => { refill = null; }); }, 500);
  }

  // missing reports whether the page lacks a window of this run that the
  // analyzer may still keep: one of the retained number before the newest.
  // It does not matter how the page came to lack it (a first list of
  // windows taken before any was published, a stream that skipped ahead).
  function missing() {
    const w = state.windows;
    if (w.length === 0) return false;
    const newest = seqOf(w[w.length - 1].id);
    const want = Math.min(state.retain, newest);
    let have = 0;
    for (const x of w) if (seqOf(x.id) > newest - want) have++;
    return have < want;
  }

  let bytes = 0; // of slides received, for anyone measuring the page
  function onSlide(e) {
    let msg;
    try { msg = JSON.parse(e.data); } catch { return; }
    if (!msg || typeof msg.id !== 'string' || !msg.window) return;
    addWindow(msg);
    applyDiscs(msg);
    bytes += e.data.length;
    document.body.dataset.receivedBytes = String(bytes);
    if (missing()) fillGaps();
    render();
    // When the newest slide arrived, for anyone measuring the page's delay.
    document.body.dataset.receivedId = msg.id;
    document.body.dataset.receivedEnd = msg.window.end;
    document.body.dataset.receivedAt = String(Date.now());
  }

  function onStatus(e) {
    try { state.status = JSON.parse(e.data); } catch { return; }
    if (state.status.windows > 0) state.retain = state.status.windows;
    renderStatus();
  }

  function connect() {
    const es = new EventSource('/events');
    // Once the stream is open, every window published before it is in
    // /api/windows and every later one comes on the stream.
    es.addEventListener('open', () => { state.online = true; renderStatus(); loadWindows(); });
    es.addEventListener('error', () => { state.online = false; renderStatus(); });
    es.addEventListener('message', onSlide);
    es.addEventListener('status', onStatus);
  }

  // ---- The stream's history (with --nats) -------------------------------
  // The page asks the analyzer to rebuild the last hours from the stream,
  // follows the rebuild and puts its windows before the retained ones.
  let historyPoll = null;
  let historyCount = -1;
  function loadHistoryWindows() {
    return fetch('/api/history/windows', { credentials: 'same-origin', cache: 'no-store' })
      .then((r) => (r.ok ? r.json() : []))
      .then((list) => {
        state.history = list.filter((m) => m && typeof m.id === 'string' && m.window)
          .map((m) => ({ id: m.id, image: m.image, window: m.window, history: true }));
        render();
      })
      .catch(() => {});
  }
  function showHistory(st) {
    el.history.hidden = !st.available;
    if (!st.available) return;
    const running = st.state === 'running';
    el.historyStart.disabled = running;
    el.historyCancel.hidden = !running;
    const words = {
      idle: '', running: `rebuilding… ${st.windows} windows`, done: `${st.windows} windows rebuilt`,
      failed: `failed: ${st.error || ''}`, cancelled: `cancelled: ${st.windows} windows`,
    };
    el.historyState.textContent = (words[st.state] || st.state) + (st.clipped && st.state !== 'idle' ? ` (at most ${st.limit})` : '');
    el.history.dataset.state = st.state;
    if (st.windows !== historyCount && (!running || st.windows - historyCount >= 30 || historyCount < 0)) {
      historyCount = st.windows;
      loadHistoryWindows();
    }
    clearTimeout(historyPoll);
    historyPoll = running ? setTimeout(pollHistory, 1000) : null;
  }
  function pollHistory() {
    fetch('/api/history', { credentials: 'same-origin', cache: 'no-store' })
      .then((r) => (r.ok ? r.json() : null))
      .then((st) => { if (st) showHistory(st); })
      .catch(() => {});
  }
  function askHistory(method, body) {
    const init = { method, credentials: 'same-origin', headers: { 'Content-Type': 'application/json' } };
    if (body) init.body = JSON.stringify(body);
    fetch('/api/history', init)
      .then((r) => r.json().then((j) => [r.ok, j]))
      .then(([ok, j]) => {
        if (ok) showHistory(j);
        else el.historyState.textContent = j.error || 'refused';
      })
      .catch(() => { el.historyState.textContent = 'the analyzer did not answer'; });
  }
  el.historyStart.addEventListener('click', () => { askHistory('POST', { since: el.historySince.value }); });
  el.historyCancel.addEventListener('click', () => { askHistory('DELETE'); });

  readView();
  el.filter.value = state.view.q;
  if (state.view.ll && state.view.z !== null) map.setView(state.view.ll, state.view.z, { animate: false });
  else map.setView([25, 10], 2, { animate: false });
  render();
  connect();
  pollHistory();
})();
