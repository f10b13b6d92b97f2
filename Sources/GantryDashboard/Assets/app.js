// Gantry's dashboard. Plain JavaScript: it talks to the Kubernetes API of the server that serves it, with the
// user's bearer token, and keeps its views live with list+watch (one informer per resource the view shows).
'use strict';

// ---------------------------------------------------------------------------------------------------------------
// State

const G = {
  token: sessionStorage.getItem('gantry.token') || '',
  ns: localStorage.getItem('gantry.ns') || '',
  user: '',
  informers: new Map(),          // key -> Informer
  view: null,                    // the current view: {update(), leave()}
  metrics: { nodes: new Map(), pods: new Map(), at: 0, error: '' },   // name -> [{t, cpu, mem}]
  metricsTimer: 0,
};

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
const esc = s => String(s ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

// ---------------------------------------------------------------------------------------------------------------
// The API

class ApiError extends Error {
  constructor(code, status) {
    super(status && status.message ? status.message : `HTTP ${code}`);
    this.code = code;
    this.status = status || {};
  }
}

function headers(extra) {
  const h = Object.assign({ Accept: 'application/json' }, extra || {});
  if (G.token) h.Authorization = 'Bearer ' + G.token;
  return h;
}

// A request that failed in the network (not answered) is sent again, twice at most: every call the dashboard makes
// is safe to repeat (reads, absolute scales, writes guarded by resourceVersion).
async function api(path, opts = {}) {
  let r;
  for (let attempt = 0; ; attempt++) {
    try {
      r = await fetch(path, { method: opts.method || 'GET', headers: headers(opts.headers), body: opts.body, signal: opts.signal });
      break;
    } catch (e) {
      if (attempt >= 2 || (opts.signal && opts.signal.aborted)) throw e;
      await sleep(300 * (attempt + 1));
    }
  }
  const text = await r.text();
  let body = {};
  if (text) { try { body = JSON.parse(text); } catch (e) { body = { message: text }; } }
  if (r.status === 401 && !opts.noLogin) { signOut('The server did not accept the token: sign in again.'); }
  if (!r.ok) throw new ApiError(r.status, body);
  return body;
}

const mergePatch = (path, patch) => api(path, {
  method: 'PATCH', body: JSON.stringify(patch), headers: { 'Content-Type': 'application/merge-patch+json' },
});

// What the views know about each resource they show.
const R = {
  nodes: { plural: 'nodes', kind: 'Node', cluster: true },
  namespaces: { plural: 'namespaces', kind: 'Namespace', cluster: true },
  pods: { plural: 'pods', kind: 'Pod' },
  events: { plural: 'events', kind: 'Event' },
  services: { plural: 'services', kind: 'Service' },
  deployments: { group: 'apps', plural: 'deployments', kind: 'Deployment' },
  statefulsets: { group: 'apps', plural: 'statefulsets', kind: 'StatefulSet' },
  daemonsets: { group: 'apps', plural: 'daemonsets', kind: 'DaemonSet' },
  replicasets: { group: 'apps', plural: 'replicasets', kind: 'ReplicaSet' },
  jobs: { group: 'batch', plural: 'jobs', kind: 'Job' },
};

function base(res) { return res.group ? `/apis/${res.group}/${res.version || 'v1'}` : `/api/${res.version || 'v1'}`; }
function listPath(res, ns) { return res.cluster || !ns ? `${base(res)}/${res.plural}` : `${base(res)}/namespaces/${encodeURIComponent(ns)}/${res.plural}`; }
function objPath(res, ns, name) { return `${listPath(res, res.cluster ? '' : ns)}/${encodeURIComponent(name)}`; }
function selfPath(res, obj) { return objPath(res, obj.metadata.namespace, obj.metadata.name); }

// ---------------------------------------------------------------------------------------------------------------
// Informers: list, then watch from the list's resourceVersion; relist on 410 Gone; reconnect after errors.

class Informer {
  constructor(res, ns, query) {
    this.res = res; this.ns = res.cluster ? '' : ns; this.query = query || '';
    this.items = new Map(); this.listeners = new Set(); this.synced = false; this.error = '';
    this.abort = new AbortController(); this.rv = '';
    this.run();
  }
  get key() { return Informer.key(this.res, this.ns, this.query); }
  static key(res, ns, query) { return `${res.plural}|${res.cluster ? '' : ns}|${query || ''}`; }
  list() { return Array.from(this.items.values()); }
  stop() { this.abort.abort(); }
  changed() { for (const f of this.listeners) f(this); }

  async run() {
    const signal = this.abort.signal;
    let delay = 500;
    while (!signal.aborted) {
      try {
        const sep = this.query ? '&' : '';
        const l = await api(`${listPath(this.res, this.ns)}?${this.query}${sep}limit=500`, { signal });
        let items = l.items || [];
        let cont = l.metadata && l.metadata.continue;
        while (cont) {
          const more = await api(`${listPath(this.res, this.ns)}?${this.query}${sep}limit=500&continue=${encodeURIComponent(cont)}`, { signal });
          items = items.concat(more.items || []);
          cont = more.metadata && more.metadata.continue;
        }
        this.items = new Map(items.map(o => [o.metadata.uid || o.metadata.name, o]));
        this.rv = l.metadata.resourceVersion;
        this.synced = true; this.error = '';
        this.changed();
        await this.watch(signal);
        delay = 500;
      } catch (e) {
        if (signal.aborted) return;
        this.error = e.message || String(e);
        if (e.code === 403) this.changed();
        await sleep(delay);
        delay = Math.min(delay * 2, 8000);
      }
    }
  }

  // Streams watch events until the server ends the watch or it must relist (returns), or fails (throws).
  async watch(signal) {
    while (!signal.aborted) {
      const sep = this.query ? '&' : '';
      const url = `${listPath(this.res, this.ns)}?${this.query}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(this.rv)}`;
      const r = await fetch(url, { headers: headers(), signal });
      if (r.status === 410) return;
      if (r.status === 401) { signOut('The server did not accept the token: sign in again.'); throw new ApiError(401, {}); }
      if (!r.ok) throw new ApiError(r.status, await r.json().catch(() => ({})));
      liveWatches(+1);
      try {
        const reader = r.body.getReader();
        const dec = new TextDecoder();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += dec.decode(value, { stream: true });
          let i;
          let dirty = false;
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i).trim();
            buf = buf.slice(i + 1);
            if (!line) continue;
            const ev = JSON.parse(line);
            if (ev.type === 'ERROR') {
              if (ev.object && ev.object.code === 410) return;
              throw new ApiError(ev.object && ev.object.code || 500, ev.object);
            }
            const o = ev.object;
            if (o && o.metadata && o.metadata.resourceVersion) this.rv = o.metadata.resourceVersion;
            if (ev.type === 'BOOKMARK') continue;
            const id = o.metadata.uid || o.metadata.name;
            if (ev.type === 'DELETED') this.items.delete(id); else this.items.set(id, o);
            dirty = true;
          }
          if (dirty) this.changed();
        }
      } finally {
        liveWatches(-1);
      }
    }
  }
}

let openWatches = 0;
function liveWatches(d) {
  openWatches += d;
  const el = $('#live');
  el.classList.toggle('on', openWatches > 0);
  el.title = `${openWatches} watch${openWatches === 1 ? '' : 'es'} open`;
}

// The informers a view uses; the others are stopped (a browser opens few connections to one server).
function use(specs, onChange) {
  // Many events in a burst are one render.
  let queued = false;
  const coalesced = () => {
    if (queued) return;
    queued = true;
    setTimeout(() => { queued = false; onChange(); }, 20);
  };
  const wanted = new Map(specs.map(([res, ns, q]) => [Informer.key(res, ns, q), [res, ns, q]]));
  for (const [k, inf] of G.informers) {
    if (!wanted.has(k)) { inf.stop(); G.informers.delete(k); }
  }
  const out = [];
  for (const [k, [res, ns, q]] of wanted) {
    let inf = G.informers.get(k);
    if (!inf) { inf = new Informer(res, ns, q); G.informers.set(k, inf); }
    inf.listeners.clear();
    inf.listeners.add(coalesced);
    out.push(inf);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Quantities, times, small helpers

function cpuCores(q) {
  if (q == null) return 0;
  const s = String(q);
  const m = /^([0-9.]+)([numk]?)$/.exec(s);
  if (!m) return parseFloat(s) || 0;
  const v = parseFloat(m[1]);
  return { n: v / 1e9, u: v / 1e6, m: v / 1e3, k: v * 1e3, '': v }[m[2]];
}
function bytes(q) {
  if (q == null) return 0;
  const m = /^([0-9.]+)([KMGTPE]i?|k|m)?$/.exec(String(q));
  if (!m) return parseFloat(q) || 0;
  const mult = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3 };
  return parseFloat(m[1]) * (m[2] ? mult[m[2]] : 1);
}
function fmtCPU(c) { return c >= 1 ? `${c.toFixed(2)}` : `${Math.round(c * 1000)}m`; }
function fmtBytes(b) {
  const u = ['B', 'Ki', 'Mi', 'Gi', 'Ti'];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
  return `${b >= 10 || i === 0 ? Math.round(b) : b.toFixed(1)}${u[i]}`;
}
function age(ts) {
  if (!ts) return '';
  const s = Math.max(0, (Date.now() - Date.parse(ts)) / 1000);
  if (s < 120) return `${Math.floor(s)}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
const sleep = ms => new Promise(r => setTimeout(r, ms));
const byName = (a, b) => (a.metadata.namespace || '').localeCompare(b.metadata.namespace || '') || a.metadata.name.localeCompare(b.metadata.name);

function toast(msg, bad) {
  const d = document.createElement('div');
  d.textContent = msg;
  if (bad) d.className = 'bad';
  $('#toast').appendChild(d);
  setTimeout(() => d.remove(), bad ? 8000 : 3500);
}

function bar(used, total, label) {
  const pct = total > 0 ? Math.min(100, (used / total) * 100) : 0;
  const cls = pct >= 90 ? 'full' : pct >= 70 ? 'hot' : '';
  return `<span class="bar ${cls}" title="${esc(label)}"><span data-w="${pct.toFixed(1)}"></span></span><span class="barlabel">${esc(label)}</span>`;
}

function progress(ready, desired) {
  const pct = desired > 0 ? Math.min(100, (ready / desired) * 100) : 100;
  return `<span class="bar narrow ${ready >= desired ? 'ok' : ''}"><span data-w="${pct.toFixed(1)}"></span></span><span class="barlabel">${ready}/${desired}</span>`;
}

// A sparkline of a series of {t, v}.
function chart(title, series, fmt, cls) {
  const pts = series.slice(-60);
  const last = pts.length ? fmt(pts[pts.length - 1].v) : '–';
  const max = Math.max(1e-9, ...pts.map(p => p.v)) * 1.15;
  const w = 300, h = 70;
  let line = '', area = '';
  if (pts.length > 1) {
    const t0 = pts[0].t, span = Math.max(1, pts[pts.length - 1].t - t0);
    const xy = pts.map(p => `${((p.t - t0) / span * w).toFixed(1)},${(h - p.v / max * (h - 4)).toFixed(1)}`);
    line = `<polyline points="${xy.join(' ')}"/>`;
    area = `<polygon points="0,${h} ${xy.join(' ')} ${w},${h}"/>`;
  }
  return `<div class="chart ${cls || ''}"><div class="t"><span>${esc(title)}</span><b>${esc(last)}</b></div>
    <svg viewBox="0 0 ${w} ${h}" preserveAspectRatio="none">${area}${line}</svg></div>`;
}

function podStatus(p) {
  const st = p.status || {};
  if (p.metadata.deletionTimestamp) return ['Terminating', 'warn'];
  for (const c of st.containerStatuses || []) {
    const w = c.state && c.state.waiting;
    if (w && w.reason && w.reason !== 'ContainerCreating') return [w.reason, 'bad'];
    const t = c.state && c.state.terminated;
    if (t && st.phase === 'Running') return [t.reason || 'Terminated', 'bad'];
  }
  const phase = st.phase || 'Pending';
  return [phase, { Running: 'ok', Succeeded: '', Pending: 'pending', Failed: 'bad' }[phase] || 'warn'];
}
function podReady(p) {
  const cs = (p.status && p.status.containerStatuses) || [];
  const total = (p.spec.containers || []).length;
  return [cs.filter(c => c.ready).length, total];
}
const restarts = p => ((p.status && p.status.containerStatuses) || []).reduce((n, c) => n + (c.restartCount || 0), 0);
const podLink = p => `#/pod/${encodeURIComponent(p.metadata.namespace)}/${encodeURIComponent(p.metadata.name)}`;
const yamlLink = (res, o) => `#/yaml/${encodeURIComponent(selfPath(res, o))}`;

// ---------------------------------------------------------------------------------------------------------------
// Metrics: metrics.k8s.io every 10 s (the server asks each node at most that often), kept for 10 minutes.

async function pollMetrics() {
  clearTimeout(G.metricsTimer);
  if (!G.token && G.needsToken) return;
  const t = Date.now() / 1000;
  try {
    const [n, p] = await Promise.all([
      api('/apis/metrics.k8s.io/v1beta1/nodes', { noLogin: true }),
      api('/apis/metrics.k8s.io/v1beta1/pods', { noLogin: true }),
    ]);
    const keep = (map, key, cpu, mem) => {
      const s = map.get(key) || [];
      s.push({ t, cpu, mem });
      while (s.length > 60) s.shift();
      map.set(key, s);
    };
    for (const m of n.items || []) keep(G.metrics.nodes, m.metadata.name, cpuCores(m.usage.cpu), bytes(m.usage.memory));
    for (const m of p.items || []) {
      const cpu = (m.containers || []).reduce((a, c) => a + cpuCores(c.usage.cpu), 0);
      const mem = (m.containers || []).reduce((a, c) => a + bytes(c.usage.memory), 0);
      keep(G.metrics.pods, `${m.metadata.namespace}/${m.metadata.name}`, cpu, mem);
    }
    G.metrics.at = t; G.metrics.error = '';
  } catch (e) {
    G.metrics.error = e.message;
  }
  if (G.view && G.view.metrics) G.view.metrics();
  G.metricsTimer = setTimeout(pollMetrics, 10000);
}
const latest = (map, key) => { const s = map.get(key); return s && s.length ? s[s.length - 1] : null; };

// ---------------------------------------------------------------------------------------------------------------
// YAML: the editor shows objects as YAML (block style; strings quoted whenever plain would read differently) and
// sends them back as application/yaml, which the API server parses.

function yamlScalar(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = String(v);
  if (s === '' || /^[\s]|[\s]$/.test(s) || /^(true|false|yes|no|on|off|null|y|n|~)$/i.test(s) ||
      /^[-+]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(s) || /^\d{4}-\d\d?-\d\d?/.test(s) || /^[\d:]+$/.test(s) || /^0[xo]/i.test(s) || /^[-+]?\.(inf|nan)$/i.test(s) ||
      /[:#]\s|\s#|:$|[\u0000-\u001f\u007f"\\]/.test(s) || /^[-?:,\[\]{}#&*!|>'"%@`=]/.test(s)) {
    return JSON.stringify(s);
  }
  return s;
}
function yamlKey(k) { return yamlScalar(k) === k ? k : JSON.stringify(k); }
function yamlBlock(s, indent) {
  if (typeof s !== 'string' || !s.includes('\n') || /^\s/.test(s) || /[\r\u0000-\u0008\u000b-\u001f]/.test(s)) return null;
  const trail = s.match(/\n*$/)[0].length;
  const chomp = trail === 0 ? '|-' : trail === 1 ? '|' : '|+';
  const body = (trail === 1 ? s.slice(0, -1) : trail > 1 ? s.slice(0, -1) : s).split('\n').map(l => l ? indent + l : '').join('\n');
  return `${chomp}\n${body}`;
}
function toYAML(v, indent = '') {
  if (Array.isArray(v)) {
    if (!v.length) return '[]';
    return v.map(x => {
      if (x && typeof x === 'object' && (Array.isArray(x) ? x.length : Object.keys(x).length)) {
        const inner = toYAML(x, indent + '  ');
        return `${indent}- ${inner.slice(indent.length + 2)}`;
      }
      const blk = yamlBlock(x, indent + '  ');
      return `${indent}- ${blk || (x && typeof x === 'object' ? toYAML(x) : yamlScalar(x))}`;
    }).join('\n');
  }
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (!keys.length) return '{}';
    return keys.map(k => {
      const x = v[k];
      const key = `${indent}${yamlKey(k)}:`;
      if (x && typeof x === 'object' && (Array.isArray(x) ? x.length : Object.keys(x).length)) {
        return Array.isArray(x) ? `${key}\n${toYAML(x, indent)}` : `${key}\n${toYAML(x, indent + '  ')}`;
      }
      const blk = yamlBlock(x, indent + '  ');
      return `${key} ${blk || (x && typeof x === 'object' ? toYAML(x) : yamlScalar(x))}`;
    }).join('\n');
  }
  return indent + yamlScalar(v);
}

// ---------------------------------------------------------------------------------------------------------------
// Sign-in

function signOut(message) {
  G.token = '';
  sessionStorage.removeItem('gantry.token');
  for (const inf of G.informers.values()) inf.stop();
  G.informers.clear();
  showLogin(message);
}

function showLogin(message) {
  if (G.view && G.view.leave) G.view.leave();
  G.view = null;
  $('#user').textContent = '';
  $('#signout').hidden = true;
  $('#main').innerHTML = `<div class="panel login"><h1>Sign in to Gantry</h1>
    ${message ? `<div class="errors">${esc(message)}</div>` : ''}
    <p class="muted">Paste a bearer token: a ServiceAccount's (<code>kubectl create token NAME</code>) or one from the
    server's <code>--token-auth-file</code>. The dashboard acts with its permissions, and keeps it only in this tab.</p>
    <form id="login"><textarea id="token" class="mono" autocomplete="off" spellcheck="false" placeholder="eyJhbGciOi…"></textarea>
    <button class="primary" id="signin" type="submit">Sign in</button></form></div>`;
  $('#login').addEventListener('submit', async ev => {
    ev.preventDefault();
    G.token = $('#token').value.trim();
    try {
      await whoAmI();
      sessionStorage.setItem('gantry.token', G.token);
      start();
    } catch (e) {
      G.token = '';
      showLogin(e.code === 401 ? 'The server did not accept this token.' : e.message);
    }
  });
}

async function whoAmI() {
  const r = await api('/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    method: 'POST', noLogin: true, headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
  });
  G.user = (r.status && r.status.userInfo && r.status.userInfo.username) || 'unknown';
  $('#user').textContent = G.user;
  $('#signout').hidden = !G.token;
}

async function loadNamespaces() {
  const sel = $('#namespace');
  try {
    const l = await api('/api/v1/namespaces');
    const names = (l.items || []).map(n => n.metadata.name).sort();
    sel.innerHTML = `<option value="">All namespaces</option>` + names.map(n => `<option${n === G.ns ? ' selected' : ''}>${esc(n)}</option>`).join('');
  } catch (e) {
    sel.innerHTML = `<option value="">All namespaces</option>${G.ns ? `<option selected>${esc(G.ns)}</option>` : ''}`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Views

const views = {};

views.overview = () => {
  const main = $('#main');
  main.innerHTML = `<h1>Cluster overview</h1>
    <div class="grid"><div class="panel" id="phases"></div><div class="panel" id="capacity"></div></div>
    <div class="panel"><h2>Nodes</h2><table><thead><tr><th>Node</th><th>Status</th><th>CPU</th><th>Memory</th><th>Pods</th><th>Version</th><th>Age</th></tr></thead><tbody id="nodes"></tbody></table></div>
    <div class="panel"><h2>Node usage</h2><div class="charts" id="nodecharts"></div></div>
    <div class="panel"><h2>Recent warnings</h2><table><thead><tr><th>Age</th><th>Object</th><th>Reason</th><th>Message</th><th>Count</th></tr></thead><tbody id="warnings"></tbody></table></div>`;
  const [nodes, pods, events] = use([[R.nodes, ''], [R.pods, G.ns], [R.events, G.ns]], () => render());
  function render() {
    if (!main.isConnected) return;   // the view was left
    const ps = pods.list();
    const phases = { Running: 0, Pending: 0, Succeeded: 0, Failed: 0, Unknown: 0 };
    for (const p of ps) phases[(p.status && p.status.phase) || 'Pending'] = (phases[(p.status && p.status.phase) || 'Pending'] || 0) + 1;
    const total = ps.length || 1;
    $('#phases').innerHTML = `<h2>Pods by phase${G.ns ? ` in ${esc(G.ns)}` : ''}</h2>
      <div class="phases">${Object.entries(phases).filter(([, n]) => n).map(([k, n]) => `<span class="phase-${k}" data-w="${(n / total * 100).toFixed(2)}" title="${k}: ${n}"></span>`).join('')}</div>
      <div class="legend">${Object.entries(phases).map(([k, n]) => `<div id="phase-${k}"><b>${n}</b><span class="dot phase-${k}"></span>${k}</div>`).join('')}</div>`;
    let cpuUse = 0, cpuCap = 0, memUse = 0, memCap = 0;
    const rows = nodes.list().sort(byName).map(n => {
      const alloc = (n.status && (n.status.allocatable || n.status.capacity)) || {};
      const m = latest(G.metrics.nodes, n.metadata.name);
      const ready = ((n.status && n.status.conditions) || []).find(c => c.type === 'Ready');
      const ok = ready && ready.status === 'True';
      const cc = cpuCores(alloc.cpu), mc = bytes(alloc.memory);
      cpuCap += cc; memCap += mc;
      if (m) { cpuUse += m.cpu; memUse += m.mem; }
      const onNode = ps.filter(p => p.spec.nodeName === n.metadata.name).length;
      const unsched = n.spec && n.spec.unschedulable ? ' <span class="badge warn">cordoned</span>' : '';
      return `<tr data-node="${esc(n.metadata.name)}"><td><a href="${yamlLink(R.nodes, n)}">${esc(n.metadata.name)}</a></td>
        <td><span class="badge ${ok ? 'ok' : 'bad'}">${ok ? 'Ready' : 'NotReady'}</span>${unsched}</td>
        <td>${m ? bar(m.cpu, cc, `${fmtCPU(m.cpu)} / ${fmtCPU(cc)}`) : `<span class="muted">– / ${fmtCPU(cc)}</span>`}</td>
        <td>${m ? bar(m.mem, mc, `${fmtBytes(m.mem)} / ${fmtBytes(mc)}`) : `<span class="muted">– / ${fmtBytes(mc)}</span>`}</td>
        <td>${onNode}${alloc.pods ? ` / ${esc(alloc.pods)}` : ''}</td>
        <td class="muted">${esc(n.status && n.status.nodeInfo && n.status.nodeInfo.kubeletVersion)}</td><td>${age(n.metadata.creationTimestamp)}</td></tr>`;
    });
    $('#nodes').innerHTML = rows.join('') || `<tr><td colspan="7" class="muted">${nodes.synced ? 'No nodes have joined.' : esc(nodes.error || 'Loading…')}</td></tr>`;
    $('#capacity').innerHTML = `<h2>Cluster capacity</h2><table>
      <tr><td>CPU</td><td>${bar(cpuUse, cpuCap, `${fmtCPU(cpuUse)} of ${fmtCPU(cpuCap)} cores`)}</td></tr>
      <tr><td>Memory</td><td>${bar(memUse, memCap, `${fmtBytes(memUse)} of ${fmtBytes(memCap)}`)}</td></tr>
      <tr><td>Nodes</td><td>${nodes.list().length}</td></tr></table>
      ${G.metrics.error ? `<p class="muted">Usage unavailable: ${esc(G.metrics.error)}</p>` : ''}`;
    const warn = events.list().filter(e => e.type === 'Warning')
      .sort((a, b) => Date.parse(b.lastTimestamp || b.eventTime || b.metadata.creationTimestamp) - Date.parse(a.lastTimestamp || a.eventTime || a.metadata.creationTimestamp))
      .slice(0, 15);
    $('#warnings').innerHTML = warn.map(e => `<tr><td>${age(e.lastTimestamp || e.eventTime || e.metadata.creationTimestamp)}</td>
      <td>${esc(e.involvedObject.kind)}/${esc(e.involvedObject.name)}</td><td><span class="badge warn">${esc(e.reason)}</span></td>
      <td class="wrap">${esc(e.message)}</td><td>${e.count || 1}</td></tr>`).join('') || `<tr><td colspan="5" class="muted">No warnings.</td></tr>`;
    renderCharts();
  }
  function renderCharts() {
    $('#nodecharts').innerHTML = nodes.list().sort(byName).map(n => {
      const s = G.metrics.nodes.get(n.metadata.name) || [];
      return chart(`${n.metadata.name} CPU`, s.map(x => ({ t: x.t, v: x.cpu })), fmtCPU) +
        chart(`${n.metadata.name} memory`, s.map(x => ({ t: x.t, v: x.mem })), fmtBytes, 'mem');
    }).join('') || '<p class="muted">No data yet.</p>';
  }
  render();
  return { update: render, metrics: render };
};

// Workloads: rollout progress, scale, restart, history and undo.
const WORKLOADS = [
  ['Deployments', R.deployments, o => [o.status && o.status.readyReplicas || 0, o.spec.replicas ?? 1], true],
  ['StatefulSets', R.statefulsets, o => [o.status && o.status.readyReplicas || 0, o.spec.replicas ?? 1], true],
  ['DaemonSets', R.daemonsets, o => [o.status && o.status.numberReady || 0, o.status && o.status.desiredNumberScheduled || 0], false],
];

function rolloutState(res, o) {
  const s = o.status || {};
  const want = o.spec.replicas ?? 1;
  if (res === R.daemonsets) {
    const done = (s.updatedNumberScheduled || 0) >= (s.desiredNumberScheduled || 0) && (s.numberAvailable || 0) >= (s.desiredNumberScheduled || 0);
    return done ? ['Available', 'ok'] : ['Rolling out', 'pending'];
  }
  const prog = (s.conditions || []).find(c => c.type === 'Progressing');
  if (prog && prog.status === 'False') return [prog.reason || 'Stalled', 'bad'];
  if ((s.observedGeneration || 0) < (o.metadata.generation || 0)) return ['Updating', 'pending'];
  if ((s.updatedReplicas || 0) < want) return ['Rolling out', 'pending'];
  if ((s.replicas || 0) > (s.updatedReplicas || 0)) return ['Old replicas ending', 'pending'];
  if ((s.availableReplicas || 0) < want) return ['Waiting for pods', 'pending'];
  return ['Available', 'ok'];
}

views.workloads = () => {
  const main = $('#main');
  main.innerHTML = `<h1>Workloads</h1>${WORKLOADS.map(([title, res]) => `<div class="panel"><h2>${title}</h2>
    <table><thead><tr><th>Name</th><th>Namespace</th><th>Ready</th><th>Up to date</th><th>Status</th><th>Images</th><th>Age</th><th></th></tr></thead>
    <tbody id="wl-${res.plural}"></tbody></table></div>`).join('')}
    <div class="panel"><h2>Jobs</h2><table><thead><tr><th>Name</th><th>Namespace</th><th>Completions</th><th>Status</th><th>Images</th><th>Age</th><th></th></tr></thead>
    <tbody id="wl-jobs"></tbody></table></div>`;
  const open = new Set();   // deployments whose history is shown
  // Scales sent but not yet seen in the watch: the page shows them (and builds the next click on them) meanwhile.
  const pendingScale = new Map();   // ns/name -> {n, at}
  const wanted = (key, d) => {
    const p = pendingScale.get(key);
    if (!p) return d;
    if (p.n === d || Date.now() - p.at > 10000) { pendingScale.delete(key); return d; }
    return p.n;
  };
  const infs = use([[R.deployments, G.ns], [R.statefulsets, G.ns], [R.daemonsets, G.ns], [R.jobs, G.ns]], () => render());
  const images = o => esc(((o.spec.template && o.spec.template.spec.containers) || []).map(c => c.image).join(', '));
  function render() {
    if (!main.isConnected) return;   // the view was left
    WORKLOADS.forEach(([, res, ready, scalable], i) => {
      const inf = infs[i];
      $(`#wl-${res.plural}`).innerHTML = inf.list().sort(byName).map(o => {
        const key = `${o.metadata.namespace}/${o.metadata.name}`;
        const [r, seen] = ready(o);
        const d = scalable ? wanted(key, seen) : seen;
        const [st, cls] = rolloutState(res, o);
        const data = `data-kind="${res.plural}" data-ns="${esc(o.metadata.namespace)}" data-name="${esc(o.metadata.name)}"`;
        const upd = res === R.daemonsets ? (o.status && o.status.updatedNumberScheduled) || 0 : (o.status && o.status.updatedReplicas) || 0;
        return `<tr data-workload="${esc(key)}" ${data}><td><a href="${yamlLink(res, o)}">${esc(o.metadata.name)}</a></td><td>${esc(o.metadata.namespace)}</td>
          <td>${progress(r, d)}</td><td>${upd}</td><td><span class="badge ${cls}">${esc(st)}</span></td><td class="mono">${images(o)}</td>
          <td>${age(o.metadata.creationTimestamp)}</td><td><div class="actions">
          ${scalable ? `<button data-action="scale" data-delta="-1" ${data} title="Scale down" ${d <= 0 ? 'disabled' : ''}>−</button>
            <span class="replicas" data-replicas="${esc(key)}">${d}</span><button data-action="scale" data-delta="1" ${data} title="Scale up">+</button>` : ''}
          <button data-action="restart" ${data}>Restart</button>
          ${res === R.deployments ? `<button data-action="history" ${data}>${open.has(key) ? 'Hide history' : 'History'}</button>` : ''}
          </div></td></tr>${open.has(key) ? `<tr class="history"><td colspan="8" id="history-${esc(key)}">${historyCache.get(key) || 'Loading…'}</td></tr>` : ''}`;
      }).join('') || `<tr><td colspan="8" class="muted">${inf.synced ? 'None.' : esc(inf.error || 'Loading…')}</td></tr>`;
    });
    const jobs = infs[3];
    $('#wl-jobs').innerHTML = jobs.list().sort(byName).map(o => {
      const s = o.status || {};
      const want = o.spec.completions ?? 1;
      const failed = (s.conditions || []).find(c => c.type === 'Failed' && c.status === 'True');
      const complete = (s.conditions || []).find(c => c.type === 'Complete' && c.status === 'True');
      const [st, cls] = failed ? [failed.reason || 'Failed', 'bad'] : complete ? ['Complete', 'ok'] : [`Running (${s.active || 0} active)`, 'pending'];
      return `<tr data-workload="${esc(o.metadata.namespace)}/${esc(o.metadata.name)}"><td><a href="${yamlLink(R.jobs, o)}">${esc(o.metadata.name)}</a></td><td>${esc(o.metadata.namespace)}</td>
        <td>${progress(s.succeeded || 0, want)}</td><td><span class="badge ${cls}">${esc(st)}</span></td><td class="mono">${images(o)}</td>
        <td>${age(o.metadata.creationTimestamp)}</td><td></td></tr>`;
    }).join('') || `<tr><td colspan="7" class="muted">${jobs.synced ? 'None.' : esc(jobs.error || 'Loading…')}</td></tr>`;
  }
  const historyCache = new Map();
  async function loadHistory(ns, name) {
    const key = `${ns}/${name}`;
    try {
      const d = await api(objPath(R.deployments, ns, name));
      const sel = Object.entries((d.spec.selector && d.spec.selector.matchLabels) || {}).map(([k, v]) => `${k}=${v}`).join(',');
      const l = await api(`${listPath(R.replicasets, ns)}?labelSelector=${encodeURIComponent(sel)}`);
      const current = d.metadata.annotations && d.metadata.annotations['deployment.kubernetes.io/revision'];
      const rss = (l.items || []).filter(rs => (rs.metadata.ownerReferences || []).some(r => r.uid === d.metadata.uid))
        .map(rs => [parseInt((rs.metadata.annotations || {})['deployment.kubernetes.io/revision'] || '0', 10), rs])
        .sort((a, b) => b[0] - a[0]);
      historyCache.set(key, `<table><thead><tr><th>Revision</th><th>ReplicaSet</th><th>Images</th><th>Pods</th><th>Created</th><th></th></tr></thead><tbody>
        ${rss.map(([rev, rs]) => `<tr data-revision="${rev}"><td>${rev}${String(rev) === current ? ' <span class="badge ok">current</span>' : ''}</td><td>${esc(rs.metadata.name)}</td>
          <td class="mono">${esc(rs.spec.template.spec.containers.map(c => c.image).join(', '))}</td><td>${(rs.status && rs.status.readyReplicas) || 0}/${rs.spec.replicas || 0}</td>
          <td>${age(rs.metadata.creationTimestamp)}</td><td>${String(rev) === current ? '' : `<button data-action="undo" data-ns="${esc(ns)}" data-name="${esc(name)}" data-rs="${esc(rs.metadata.name)}">Roll back to ${rev}</button>`}</td></tr>`).join('')}
        </tbody></table>`);
    } catch (e) {
      historyCache.set(key, `<span class="errors">${esc(e.message)}</span>`);
    }
    render();
  }
  main.addEventListener('click', async ev => {
    const b = ev.target.closest('button[data-action]');
    if (!b) return;
    const { action, kind, ns, name } = b.dataset;
    const res = R[kind] || R.deployments;
    try {
      if (action === 'scale') {
        const cur = parseInt($(`[data-replicas="${CSS.escape(`${ns}/${name}`)}"]`).textContent, 10);
        const n = Math.max(0, cur + parseInt(b.dataset.delta, 10));
        $(`[data-replicas="${CSS.escape(`${ns}/${name}`)}"]`).textContent = n;
        pendingScale.set(`${ns}/${name}`, { n, at: Date.now() });
        await mergePatch(`${objPath(res, ns, name)}/scale`, { spec: { replicas: n } });
        toast(`Scaled ${res.kind.toLowerCase()} ${name} to ${n}`);
      } else if (action === 'restart') {
        await mergePatch(objPath(res, ns, name), { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } });
        toast(`Restarting ${res.kind.toLowerCase()} ${name}`);
      } else if (action === 'history') {
        const key = `${ns}/${name}`;
        if (open.has(key)) { open.delete(key); render(); } else { open.add(key); render(); loadHistory(ns, name); }
      } else if (action === 'undo') {
        await rollBack(ns, name, b.dataset.rs);
        toast(`Rolled ${name} back to ${b.dataset.rs}`);
        setTimeout(() => loadHistory(ns, name), 1500);
      }
    } catch (e) {
      pendingScale.delete(`${ns}/${name}`);
      toast(e.message, true);
      render();
    }
  });
  render();
  return { update: render };
};

// `kubectl rollout undo`: the Deployment's pod template becomes the ReplicaSet's (without its pod-template-hash).
async function rollBack(ns, name, rsName) {
  const rs = await api(objPath(R.replicasets, ns, rsName));
  for (let attempt = 0; attempt < 3; attempt++) {
    const d = await api(objPath(R.deployments, ns, name));
    const tpl = JSON.parse(JSON.stringify(rs.spec.template));
    if (tpl.metadata && tpl.metadata.labels) delete tpl.metadata.labels['pod-template-hash'];
    d.spec.template = tpl;
    try {
      return await api(objPath(R.deployments, ns, name), { method: 'PUT', body: JSON.stringify(d), headers: { 'Content-Type': 'application/json' } });
    } catch (e) {
      if (e.code !== 409) throw e;
    }
  }
  throw new Error(`the deployment ${name} kept changing: try again`);
}

views.pods = () => {
  const main = $('#main');
  main.innerHTML = `<h1>Pods</h1><div class="panel"><table><thead><tr><th>Name</th><th>Namespace</th><th>Ready</th><th>Status</th><th>Restarts</th>
    <th>CPU</th><th>Memory</th><th>Node</th><th>IP</th><th>Age</th></tr></thead><tbody id="pods"></tbody></table></div>`;
  const [pods] = use([[R.pods, G.ns]], () => render());
  function render() {
    if (!main.isConnected) return;   // the view was left
    $('#pods').innerHTML = pods.list().sort(byName).map(p => {
      const [st, cls] = podStatus(p);
      const [r, t] = podReady(p);
      const m = latest(G.metrics.pods, `${p.metadata.namespace}/${p.metadata.name}`);
      return `<tr data-pod="${esc(p.metadata.name)}" data-phase="${esc(p.status && p.status.phase)}"><td><a href="${podLink(p)}">${esc(p.metadata.name)}</a></td>
        <td>${esc(p.metadata.namespace)}</td><td>${r}/${t}</td><td><span class="badge ${cls}">${esc(st)}</span></td><td>${restarts(p)}</td>
        <td>${m ? fmtCPU(m.cpu) : ''}</td><td>${m ? fmtBytes(m.mem) : ''}</td><td>${esc(p.spec.nodeName || '')}</td>
        <td class="mono">${esc(p.status && p.status.podIP || '')}</td><td>${age(p.metadata.creationTimestamp)}</td></tr>`;
    }).join('') || `<tr><td colspan="10" class="muted">${pods.synced ? 'No pods.' : esc(pods.error || 'Loading…')}</td></tr>`;
  }
  render();
  return { update: render, metrics: render };
};

// One pod: containers, conditions, events, usage charts, live logs and a shell.
views.pod = (ns, name) => {
  const main = $('#main');
  main.innerHTML = `<div class="toolbar"><h1>Pod ${esc(name)} <span class="muted">in ${esc(ns)}</span></h1>
      <a class="button" href="#/yaml/${encodeURIComponent(objPath(R.pods, ns, name))}">YAML</a>
      <button class="danger" id="delete">Delete</button></div>
    <div class="grid"><div class="panel" id="summary"></div><div class="panel"><h2>Usage</h2><div class="charts" id="podcharts"></div></div></div>
    <div class="panel"><h2>Containers</h2><table><thead><tr><th>Name</th><th>Image</th><th>State</th><th>Ready</th><th>Restarts</th></tr></thead><tbody id="containers"></tbody></table></div>
    <div class="panel"><div class="tabs"><button data-tab="logs" class="active">Logs</button><button data-tab="shell">Shell</button><button data-tab="events">Events</button></div>
      <div class="toolbar"><label>Container <select id="container"></select></label>
        <label id="followbox"><input type="checkbox" id="follow" checked> Follow</label></div>
      <div id="tab-logs"><pre class="console" id="logs"></pre></div>
      <div id="tab-shell" hidden><pre class="console" id="shell-output"></pre>
        <form class="shellline" id="shellform"><input id="shell-input" autocomplete="off" spellcheck="false" placeholder="a command for sh, e.g. ls -l /"><button class="primary">Run</button></form>
        <p class="muted">Line mode: each line goes to <code>sh</code> in the container (exec over WebSocket).</p></div>
      <div id="tab-events" hidden><table><thead><tr><th>Age</th><th>Type</th><th>Reason</th><th>From</th><th>Message</th><th>Count</th></tr></thead><tbody id="events"></tbody></table></div>
    </div>`;
  const [pods, events] = use([[R.pods, ns, `fieldSelector=metadata.name%3D${encodeURIComponent(name)}`],
    [R.events, ns, `fieldSelector=involvedObject.name%3D${encodeURIComponent(name)}`]], () => render());
  let logAbort = null, ws = null, tab = 'logs', container = '';
  const pod = () => pods.list()[0];
  function render() {
    if (!main.isConnected) return;   // the view was left
    const p = pod();
    if (!p) {
      $('#summary').innerHTML = pods.synced ? '<p class="muted">This pod does not exist (any more).</p>' : esc(pods.error || 'Loading…');
      return;
    }
    const [st, cls] = podStatus(p);
    $('#summary').innerHTML = `<h2>Status</h2><dl class="meta"><dt>Status</dt><dd><span class="badge ${cls}" id="pod-status">${esc(st)}</span></dd>
      <dt>Node</dt><dd>${esc(p.spec.nodeName || '–')}</dd><dt>IP</dt><dd class="mono">${esc(p.status && p.status.podIP || '–')}</dd>
      <dt>Created</dt><dd>${age(p.metadata.creationTimestamp)} ago</dd>
      <dt>Conditions</dt><dd>${((p.status && p.status.conditions) || []).map(c => `<span class="badge ${c.status === 'True' ? 'ok' : ''}">${esc(c.type)}</span>`).join(' ')}</dd>
      <dt>Labels</dt><dd class="mono">${esc(Object.entries(p.metadata.labels || {}).map(([k, v]) => `${k}=${v}`).join(' '))}</dd></dl>`;
    const statuses = new Map(((p.status && p.status.containerStatuses) || []).map(c => [c.name, c]));
    $('#containers').innerHTML = p.spec.containers.map(c => {
      const s = statuses.get(c.name) || {};
      const state = s.state ? Object.keys(s.state)[0] : 'waiting';
      const detail = s.state && s.state[state] && (s.state[state].reason || '');
      return `<tr><td>${esc(c.name)}</td><td class="mono">${esc(c.image)}</td><td>${esc(state)}${detail ? ` (${esc(detail)})` : ''}</td>
        <td>${s.ready ? 'yes' : 'no'}</td><td>${s.restartCount || 0}</td></tr>`;
    }).join('');
    const sel = $('#container');
    const names = p.spec.containers.map(c => c.name);
    if (sel.options.length !== names.length) {
      sel.innerHTML = names.map(n => `<option>${esc(n)}</option>`).join('');
      if (!container) { container = names[0]; startTab(); }
    }
    $('#events').innerHTML = events.list().sort((a, b) => Date.parse(b.lastTimestamp || b.metadata.creationTimestamp) - Date.parse(a.lastTimestamp || a.metadata.creationTimestamp))
      .map(e => `<tr><td>${age(e.lastTimestamp || e.eventTime || e.metadata.creationTimestamp)}</td><td><span class="badge ${e.type === 'Warning' ? 'warn' : ''}">${esc(e.type)}</span></td>
        <td>${esc(e.reason)}</td><td>${esc((e.source && e.source.component) || e.reportingComponent || '')}</td><td class="wrap">${esc(e.message)}</td><td>${e.count || 1}</td></tr>`)
      .join('') || '<tr><td colspan="6" class="muted">No events.</td></tr>';
    metrics();
  }
  function metrics() {
    if (!main.isConnected) return;
    const s = G.metrics.pods.get(`${ns}/${name}`) || [];
    $('#podcharts').innerHTML = chart('CPU', s.map(x => ({ t: x.t, v: x.cpu })), fmtCPU) + chart('Memory', s.map(x => ({ t: x.t, v: x.mem })), fmtBytes, 'mem');
  }
  function stopStreams() {
    if (logAbort) { logAbort.abort(); logAbort = null; }
    if (ws) { ws.close(); ws = null; }
  }
  // Logs stream until the pod's container ends; a broken connection is opened again (showing the tail afresh).
  async function followLogs() {
    const out = $('#logs');
    logAbort = new AbortController();
    const signal = logAbort.signal;
    for (let attempt = 0; attempt < 30 && !signal.aborted; attempt++) {
      if (await streamLogs(out, signal)) return;
      await sleep(1000);
    }
  }
  async function streamLogs(out, signal) {
    out.textContent = '';
    const follow = $('#follow').checked;
    const url = `${objPath(R.pods, ns, name)}/log?container=${encodeURIComponent(container)}&tailLines=1000${follow ? '&follow=true' : ''}`;
    try {
      const r = await fetch(url, { headers: headers({ Accept: '*/*' }), signal });
      if (!r.ok) { const e = await r.json().catch(() => ({})); out.textContent = e.message || `HTTP ${r.status}`; return r.status !== 503 && r.status < 500; }
      const reader = r.body.getReader();
      const dec = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const atEnd = out.scrollTop + out.clientHeight >= out.scrollHeight - 8;
        out.textContent += dec.decode(value, { stream: true });
        if (out.textContent.length > 400000) out.textContent = out.textContent.slice(-300000);
        if (atEnd) out.scrollTop = out.scrollHeight;
      }
      return true;
    } catch (e) {
      if (!signal.aborted) out.textContent += `\n[${e.message}: reconnecting]`;
      return signal.aborted;
    }
  }
  function openShell() {
    const out = $('#shell-output');
    out.textContent = '';
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const q = `container=${encodeURIComponent(container)}&command=sh&stdin=true&stdout=true&stderr=true`;
    const protocols = ['v4.channel.k8s.io'];
    if (G.token) protocols.push('base64url.bearer.authorization.k8s.io.' + btoa(G.token).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
    ws = new WebSocket(`${proto}//${location.host}${objPath(R.pods, ns, name)}/exec?${q}`, protocols);
    ws.binaryType = 'arraybuffer';
    const dec = new TextDecoder();
    const write = s => { out.textContent += s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''); out.scrollTop = out.scrollHeight; };
    ws.onopen = () => write(`[connected to ${container}]\n`);
    ws.onmessage = ev => {
      const b = new Uint8Array(ev.data);
      if (!b.length) return;
      const text = dec.decode(b.subarray(1));
      if (b[0] === 1 || b[0] === 2) write(text);
      else if (b[0] === 3) { try { const s = JSON.parse(text); write(`\n[${s.status === 'Success' ? 'exited' : s.message}]\n`); } catch (e) { write(text); } }
    };
    ws.onclose = () => write('\n[disconnected]\n');
    ws.onerror = () => write('\n[the shell could not connect]\n');
  }
  $('#shellform').addEventListener('submit', ev => {
    ev.preventDefault();
    const input = $('#shell-input');
    if (!ws || ws.readyState !== WebSocket.OPEN) { openShell(); return; }
    const line = input.value;
    $('#shell-output').textContent += `$ ${line}\n`;
    const data = new TextEncoder().encode(line + '\n');
    const msg = new Uint8Array(data.length + 1);
    msg[0] = 0; msg.set(data, 1);
    ws.send(msg);
    input.value = '';
  });
  function startTab() {
    stopStreams();
    for (const t of ['logs', 'shell', 'events']) $(`#tab-${t}`).hidden = t !== tab;
    $$('.tabs button').forEach(b => b.classList.toggle('active', b.dataset.tab === tab));
    $('#followbox').hidden = tab !== 'logs';
    if (!container) return;
    if (tab === 'logs') followLogs();
    if (tab === 'shell') openShell();
  }
  $$('.tabs button').forEach(b => b.addEventListener('click', () => { tab = b.dataset.tab; startTab(); }));
  $('#container').addEventListener('change', ev => { container = ev.target.value; startTab(); });
  $('#follow').addEventListener('change', startTab);
  $('#delete').addEventListener('click', async () => {
    if (!confirm(`Delete pod ${name}?`)) return;
    try { await api(objPath(R.pods, ns, name), { method: 'DELETE' }); toast(`Deleting pod ${name}`); } catch (e) { toast(e.message, true); }
  });
  render();
  return { update: render, metrics, leave: stopStreams };
};

// Every kind the server serves (from discovery), and the objects of one.
views.resources = async (group, version, plural) => {
  const main = $('#main');
  if (!plural) {
    main.innerHTML = '<h1>Resources</h1><div class="panel"><p class="muted">Loading…</p></div>';
    use([], () => {});
    const core = await api('/api/v1');
    const groups = await api('/apis');
    const lists = [['', 'v1', core]];
    await Promise.all((groups.groups || []).map(async g => {
      const v = g.preferredVersion.version;
      try { lists.push([g.name, v, await api(`/apis/${g.name}/${v}`)]); } catch (e) { /* not readable */ }
    }));
    lists.sort((a, b) => a[0].localeCompare(b[0]));
    main.innerHTML = `<h1>Resources</h1>${lists.map(([g, v, l]) => `<div class="panel"><h2>${esc(g || 'core')} <span class="muted">${esc(v)}</span></h2><div class="kinds">
      ${(l.resources || []).filter(r => !r.name.includes('/') && (r.verbs || []).includes('list')).sort((a, b) => a.kind.localeCompare(b.kind))
        .map(r => `<a href="#/resources/${encodeURIComponent(g || 'core')}/${encodeURIComponent(v)}/${encodeURIComponent(r.name)}">${esc(r.kind)}</a>`).join('')}</div></div>`).join('')}`;
    return {};
  }
  const g = group === 'core' ? '' : group;
  const res = { group: g, version, plural, kind: plural };
  const disc = await api(g ? `/apis/${g}/${version}` : `/api/${version}`);
  const info = (disc.resources || []).find(r => r.name === plural) || {};
  res.cluster = info.namespaced === false;
  res.kind = info.kind || plural;
  main.innerHTML = `<div class="toolbar"><h1>${esc(res.kind)} <span class="muted">${esc(g ? `${g}/${version}` : version)}</span></h1><a href="#/resources">All kinds</a></div>
    <div class="panel"><table><thead><tr><th>Name</th>${res.cluster ? '' : '<th>Namespace</th>'}<th>Age</th></tr></thead><tbody id="objects"></tbody></table></div>`;
  const [inf] = use([[res, G.ns]], () => render());
  function render() {
    if (!main.isConnected) return;   // the view was left
    $('#objects').innerHTML = inf.list().sort(byName).map(o => `<tr><td><a href="${yamlLink(res, o)}">${esc(o.metadata.name)}</a></td>
      ${res.cluster ? '' : `<td>${esc(o.metadata.namespace)}</td>`}<td>${age(o.metadata.creationTimestamp)}</td></tr>`).join('') ||
      `<tr><td colspan="3" class="muted">${inf.synced ? 'None.' : esc(inf.error || 'Loading…')}</td></tr>`;
  }
  render();
  return { update: render };
};

// Any object as YAML, edited and applied back (PUT, application/yaml); validation errors shown inline.
views.yaml = async path => {
  const main = $('#main');
  use([], () => {});
  main.innerHTML = `<div class="toolbar"><h1 id="yaml-title">${esc(path)}</h1><button id="reload">Reload</button>
    <button class="primary" id="save">Save</button><button class="danger" id="remove">Delete</button></div>
    <div id="yaml-result"></div><div class="panel"><textarea class="yaml" id="yaml" spellcheck="false"></textarea></div>`;
  const result = $('#yaml-result');
  let loaded = null;
  // What an edit is about: the object without its status and bookkeeping, which the server changes by itself.
  const intent = o => {
    const c = JSON.parse(JSON.stringify(o));
    delete c.status;
    if (c.metadata) { delete c.metadata.resourceVersion; delete c.metadata.managedFields; }
    return JSON.stringify(c);
  };
  async function load() {
    result.innerHTML = '';
    try {
      const o = await api(path);
      loaded = o;
      if (o.metadata) delete o.metadata.managedFields;
      $('#yaml-title').textContent = `${o.kind} ${o.metadata.namespace ? o.metadata.namespace + '/' : ''}${o.metadata.name}`;
      $('#yaml').value = toYAML(o) + '\n';
    } catch (e) {
      result.innerHTML = `<div class="errors">${esc(e.message)}</div>`;
    }
  }
  $('#reload').addEventListener('click', load);
  $('#save').addEventListener('click', async () => {
    result.innerHTML = '';
    const put = body => api(path, { method: 'PUT', body, headers: { 'Content-Type': 'application/yaml' } });
    try {
      let o;
      try {
        o = await put($('#yaml').value);
      } catch (e) {
        // A conflict only with the object's status (a controller reporting progress) is not the user's: the edit is
        // sent again at the latest resourceVersion. Any other change since loading is shown as the conflict.
        if (e.code !== 409 || !loaded) throw e;
        const latest = await api(path);
        if (intent(latest) !== intent(loaded)) throw e;
        o = await put($('#yaml').value.replace(/^  resourceVersion: .*$/m, `  resourceVersion: ${JSON.stringify(latest.metadata.resourceVersion)}`));
      }
      loaded = JSON.parse(JSON.stringify(o));
      result.innerHTML = `<div class="success" id="yaml-saved">Saved: resourceVersion ${esc(o.metadata.resourceVersion)}.</div>`;
      if (o.metadata) delete o.metadata.managedFields;
      $('#yaml').value = toYAML(o) + '\n';
    } catch (e) {
      const causes = (e.status.details && e.status.details.causes) || [];
      const hint = e.code === 409 ? ' Reload to see the latest version, then make your change again.' : '';
      result.innerHTML = `<div class="errors" id="yaml-error"><b>${esc(e.status.reason || `HTTP ${e.code}`)}</b>: ${esc(e.message)}${esc(hint)}
        ${causes.length ? `<ul>${causes.map(c => `<li><code>${esc(c.field || '')}</code> ${esc(c.message || c.reason || '')}</li>`).join('')}</ul>` : ''}</div>`;
    }
  });
  $('#remove').addEventListener('click', async () => {
    if (!confirm(`Delete ${$('#yaml-title').textContent}?`)) return;
    try { await api(path, { method: 'DELETE' }); toast('Deleted'); history.back(); } catch (e) { toast(e.message, true); }
  });
  await load();
  return {};
};

// ---------------------------------------------------------------------------------------------------------------
// Routing: #/overview, #/workloads, #/pods, #/pod/NS/NAME, #/resources[/GROUP/VERSION/PLURAL], #/yaml/PATH

async function route() {
  if (G.needsToken && !G.token) return showLogin();
  const parts = (location.hash.replace(/^#\/?/, '') || 'overview').split('/').map(decodeURIComponent);
  const name = views[parts[0]] ? parts[0] : 'overview';
  if (G.view && G.view.leave) G.view.leave();
  $$('#nav a').forEach(a => a.classList.toggle('active', a.dataset.view === name || (name === 'pod' && a.dataset.view === 'pods')));
  // A fresh main element, so that a view's listeners go with it.
  const old = $('#main');
  const fresh = old.cloneNode(false);
  old.replaceWith(fresh);
  try {
    G.view = await views[name](...parts.slice(1));
  } catch (e) {
    fresh.innerHTML = `<div class="errors">${esc(e.message)}</div>`;
    G.view = null;
  }
}

async function start() {
  await loadNamespaces();
  route();
  pollMetrics();
}

async function boot() {
  $('#namespace').addEventListener('change', ev => {
    G.ns = ev.target.value;
    localStorage.setItem('gantry.ns', G.ns);
    route();
  });
  $('#signout').addEventListener('click', () => signOut(''));
  window.addEventListener('hashchange', route);
  // A server without authentication serves anyone; a secured one needs a token.
  try {
    await whoAmI();
  } catch (e) {
    G.needsToken = true;
    if (e.code === 401 || !G.token) {
      const had = !!G.token;
      G.token = '';
      sessionStorage.removeItem('gantry.token');
      return showLogin(had ? 'The server did not accept the saved token: sign in again.' : '');
    }
  }
  G.needsToken = G.needsToken || !!G.token;
  start();
}

// Widths of bars come as data-w (percent): the content security policy allows no inline style attributes, while
// the CSS object model may set them.
new MutationObserver(records => {
  for (const r of records) {
    for (const n of r.addedNodes) {
      if (n.nodeType !== 1) continue;
      if (n.dataset && n.dataset.w) n.style.width = `${n.dataset.w}%`;
      for (const e of n.querySelectorAll('[data-w]')) e.style.width = `${e.dataset.w}%`;
    }
  }
}).observe(document.body, { childList: true, subtree: true });

// Ages and charts move even when nothing changes.
setInterval(() => { if (G.view && G.view.update && document.visibilityState === 'visible') G.view.update(); }, 5000);

boot();
