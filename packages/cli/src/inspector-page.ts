/**
 * The inspector page: one HTML file, a script and a stylesheet, no framework
 * and nothing fetched from elsewhere. Every value from the log is written with
 * textContent, never as HTML: a delivery's body is whatever a sender sent.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hookgate inspector</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header>
  <h1>hookgate <span>deliveries</span></h1>
  <form id="filters">
    <label>outcome
      <select id="outcome" name="outcome">
        <option value="">any</option>
        <option>processed</option><option>duplicate</option><option>failed</option><option>unavailable</option>
        <option>in-flight</option><option>rejected</option><option>stale</option><option>unhandled</option><option>queued</option><option>challenge</option>
      </select>
    </label>
    <label>scheme <input id="scheme" name="scheme" placeholder="any" size="14"></label>
    <label>type <input id="type" name="type" placeholder="any" size="18"></label>
    <button id="refresh" type="submit">Refresh</button>
  </form>
</header>
<main>
  <section id="list">
    <table id="entries">
      <thead><tr><th>received</th><th>scheme</th><th>type</th><th>outcome</th><th>status</th><th>tries</th><th>ms</th><th></th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="empty" hidden>No deliveries match.</p>
    <button id="more" type="button" hidden>Older deliveries</button>
    <p id="error" role="alert" hidden></p>
  </section>
  <section id="detail" hidden>
    <h2 id="detail-title"></h2>
    <dl id="meta"></dl>
    <div id="actions">
      <button id="replay" type="button">Replay</button>
      <span id="replay-result" role="status"></span>
    </div>
    <h3>Headers</h3>
    <table id="headers"><tbody></tbody></table>
    <h3>Body <small id="body-kind"></small></h3>
    <pre id="body"></pre>
  </section>
</main>
</body>
</html>
`;

export const APP_CSS = `:root { font: 14px/1.4 system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
body { margin: 0; }
header { display: flex; gap: 2rem; align-items: center; padding: .6rem 1rem; background: #1d2330; color: #fff; flex-wrap: wrap; }
h1 { font-size: 1.1rem; margin: 0; } h1 span { font-weight: 400; opacity: .7; }
form { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
label { display: flex; gap: .35rem; align-items: center; }
input, select, button { font: inherit; padding: .2rem .4rem; }
main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem; padding: 1rem; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e3e6eb; white-space: nowrap; }
#entries tbody tr { cursor: pointer; } #entries tbody tr:hover, #entries tbody tr.selected { background: #eef3ff; }
.outcome { font-weight: 600; } .good { color: #176c2f; } .bad { color: #b3261e; } .meh { color: #8a5a00; }
#detail { background: #fff; padding: 1rem; overflow: auto; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } dt { color: #5b6475; } dd { margin: 0; word-break: break-all; }
pre { background: #f0f2f5; padding: .75rem; overflow: auto; max-height: 60vh; white-space: pre-wrap; word-break: break-all; }
#error { color: #b3261e; } #actions { display: flex; gap: 1rem; align-items: center; }
`;

export const APP_JS = `'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const GOOD = new Set(['processed', 'queued', 'duplicate', 'stale', 'challenge', 'unhandled']);
  const BAD = new Set(['failed', 'rejected']);
  let cursor = null;
  let selected = null;
  let config = { replay: false };

  const cell = (text, className) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  };
  const tone = (outcome) => (GOOD.has(outcome) ? 'good' : BAD.has(outcome) ? 'bad' : 'meh');
  const time = (ms) => new Date(ms).toISOString().replace('T', ' ').replace(/\\.\\d+Z$/, 'Z');

  function showError(message) {
    $('error').textContent = message;
    $('error').hidden = !message;
  }

  async function getJSON(url, init) {
    const response = await fetch(url, init);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || 'HTTP ' + response.status);
    return body;
  }

  function query() {
    const params = new URLSearchParams();
    for (const name of ['outcome', 'scheme', 'type']) if ($(name).value) params.set(name, $(name).value.trim());
    return params;
  }

  async function load(more) {
    const params = query();
    if (more && cursor) params.set('cursor', cursor);
    try {
      const page = await getJSON('/api/entries?' + params);
      const body = $('entries').tBodies[0];
      if (!more) body.replaceChildren();
      for (const entry of page.entries) {
        const row = document.createElement('tr');
        row.dataset.key = entry.key;
        row.append(
          cell(time(entry.receivedAt)),
          cell(entry.scheme),
          cell(entry.type || '-'),
          cell(entry.code ? entry.outcome + ' (' + entry.code + ')' : entry.outcome, 'outcome ' + tone(entry.outcome)),
          cell(String(entry.status)),
          cell(String(entry.attempts || 1)),
          cell(entry.durationMs.toFixed(1)),
          cell(entry.replayOf ? 'replay' : entry.captured ? 'captured' : ''),
        );
        if (entry.key === selected) row.classList.add('selected');
        row.addEventListener('click', () => open(entry.key));
        body.append(row);
      }
      cursor = page.cursor;
      $('more').hidden = !cursor;
      $('empty').hidden = body.rows.length > 0;
      showError('');
    } catch (error) {
      showError('Could not list deliveries: ' + error.message);
    }
  }

  async function open(key) {
    selected = key;
    for (const row of $('entries').tBodies[0].rows) row.classList.toggle('selected', row.dataset.key === key);
    let entry;
    try {
      entry = await getJSON('/api/entries/' + encodeURIComponent(key));
    } catch (error) {
      showError('Could not open ' + key + ': ' + error.message);
      return;
    }
    $('detail').hidden = false;
    $('detail-title').textContent = (entry.type || 'delivery') + ' · ' + entry.outcome;
    const rows = [
      ['key', entry.key], ['received', time(entry.receivedAt)], ['scheme', entry.scheme], ['id', entry.id],
      ['type', entry.type], ['outcome', entry.outcome], ['status', entry.status], ['code', entry.code],
      ['verified', entry.verified ? 'yes' : 'no'], ['secret', entry.secretLabel], ['dedupe key', entry.dedupeKey],
      ['attempts', entry.attempts], ['duration', entry.durationMs.toFixed(1) + ' ms'], ['replay of', entry.replayOf],
    ];
    const meta = $('meta');
    meta.replaceChildren();
    for (const [name, value] of rows) {
      if (value === undefined || value === null) continue;
      const dt = document.createElement('dt');
      dt.textContent = name;
      const dd = document.createElement('dd');
      dd.textContent = String(value);
      dd.dataset.field = name;
      meta.append(dt, dd);
    }
    const headers = $('headers').tBodies[0];
    headers.replaceChildren();
    const capture = entry.capture;
    for (const [name, value] of Object.entries(capture ? capture.headers : {})) {
      const row = document.createElement('tr');
      row.append(cell(name), cell(value));
      headers.append(row);
    }
    if (capture) {
      $('body').textContent = capture.body.text;
      $('body-kind').textContent = '(' + capture.bodyBytes + ' bytes, ' +
        (capture.body.kind === 'json' ? 'JSON, pretty-printed' : capture.body.kind === 'text' ? 'raw' : 'binary, base64') +
        (capture.truncated ? ', cut' : '') + ')';
    } else {
      $('body').textContent = 'Not captured: the receiver logged metadata only (log.capture).';
      $('body-kind').textContent = '';
    }
    const replay = $('replay');
    replay.disabled = !config.replay || !capture || capture.truncated;
    replay.title = !config.replay ? 'Start hookgate inspect with --to URL to replay' : !capture ? 'Not captured' : 'Send it again to ' + config.to;
    $('replay-result').textContent = '';
  }

  async function replay() {
    if (!selected) return;
    if (!window.confirm('Send delivery ' + selected + ' again to ' + config.to + '?')) return;
    $('replay-result').textContent = 'Sending…';
    try {
      const answer = await getJSON('/api/entries/' + encodeURIComponent(selected) + '/replay', {
        method: 'POST',
        headers: { 'x-hookgate-inspector': '1' },
      });
      $('replay-result').textContent = 'Replayed → ' + answer.status + ' ' + answer.outcome + ' (' + answer.ms + ' ms)';
      $('replay-result').className = answer.status < 300 ? 'good' : 'bad';
    } catch (error) {
      $('replay-result').textContent = 'Replay failed: ' + error.message;
      $('replay-result').className = 'bad';
    }
    // The receiver logs the new attempt: give it a moment to land, then show it.
    setTimeout(() => load(false), 300);
  }

  document.addEventListener('DOMContentLoaded', async () => {
    $('filters').addEventListener('submit', (event) => {
      event.preventDefault();
      load(false);
    });
    $('outcome').addEventListener('change', () => load(false));
    $('more').addEventListener('click', () => load(true));
    $('replay').addEventListener('click', replay);
    config = await getJSON('/api/config').catch(() => config);
    load(false);
  });
})();
`;
