#include "controllers/AdminPage.h"

namespace ic::balancer {

QByteArray adminPageHtml()
{
    // Raw string: the page is small enough to keep next to the API it drives.
    return QByteArrayLiteral(R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>instantchat admin</title>
<style>
body{font:15px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1b1b;background:#fafafa}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left}th{background:#eee}
.up{color:#08660d;font-weight:600}.down{color:#a40000;font-weight:600}
button{margin:0 .2rem;padding:.2rem .6rem;cursor:pointer}#status{min-height:1.4em;color:#444}
</style></head><body>
<h1>instantchat admin</h1>
<p id="status" role="status" aria-live="polite"></p>
<p><button id="mOn">Broadcast maintenance notice</button><button id="mOff">Clear maintenance notice</button>
<button id="refresh">Refresh</button></p>
<h2>Servers</h2>
<table><thead><tr><th>id</th><th>address</th><th>health</th><th>connections</th><th>rooms</th><th>copies</th><th>users</th><th>CPU %</th><th>version</th><th></th></tr></thead>
<tbody id="servers"></tbody></table>
<h2>Rooms on <span id="roomsOf">…</span></h2>
<table><thead><tr><th>name</th><th>users</th><th>online</th><th>messages</th><th>age</th><th></th></tr></thead>
<tbody id="rooms"></tbody></table>
<script>
'use strict';
const $ = (id) => document.getElementById(id);
function say(text) { $('status').textContent = text; }
async function call(method, path, body) {
  const options = { method, headers: {}, credentials: 'same-origin' };
  if (body !== undefined) { options.headers['Content-Type'] = 'application/json'; options.body = JSON.stringify(body); }
  const response = await fetch('/admin/api/' + path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || ('HTTP ' + response.status));
  return data;
}
function cell(row, text) { const td = document.createElement('td'); td.textContent = text; row.appendChild(td); return td; }
function button(td, label, action) { const b = document.createElement('button'); b.textContent = label; b.onclick = action; td.appendChild(b); }
function age(ms) { const s = Math.max(0, Math.round((Date.now() - ms) / 1000)); return s < 120 ? s + ' s' : s < 7200 ? Math.round(s / 60) + ' min' : Math.round(s / 3600) + ' h'; }
async function showRooms(id) {
  $('roomsOf').textContent = id;
  const tbody = $('rooms'); tbody.textContent = '';
  try {
    const data = await call('GET', 'rooms?id=' + encodeURIComponent(id));
    for (const room of data.rooms || []) {
      const tr = document.createElement('tr');
      cell(tr, room.name); cell(tr, room.users); cell(tr, room.online); cell(tr, room.messages);
      const created = typeof room.createdAt === 'number' ? (room.createdAt > 1e14 ? room.createdAt / 1e6 : room.createdAt > 1e11 ? room.createdAt : room.createdAt * 1000) : Date.parse(room.createdAt);
      cell(tr, isNaN(created) ? '' : age(created));
      button(cell(tr, ''), 'Delete', async () => {
        if (!confirm('Delete room "' + room.name + '"? Its users are told and disconnected.')) return;
        try { await call('POST', 'delete-room', { name: room.name, id }); say('Room deleted.'); showRooms(id); } catch (e) { say(e.message); }
      });
      tbody.appendChild(tr);
    }
    if (!tbody.children.length) say('No rooms on ' + id + '.');
  } catch (e) { say(e.message); }
}
async function refresh() {
  try {
    const data = await call('GET', 'servers');
    const tbody = $('servers'); tbody.textContent = '';
    for (const s of data.servers) {
      const tr = document.createElement('tr');
      cell(tr, s.id); cell(tr, s.address);
      const health = cell(tr, s.alive ? (s.drained ? 'up, drained' : 'up') : 'down');
      health.className = s.alive ? 'up' : 'down';
      cell(tr, s.load.connections + (s.load.maxConnections ? ' / ' + s.load.maxConnections : ''));
      cell(tr, s.load.rooms); cell(tr, s.replicasHeld); cell(tr, s.load.usersOnline); cell(tr, Number(s.load.cpu).toFixed(1)); cell(tr, s.version);
      const actions = cell(tr, '');
      button(actions, 'Rooms', () => showRooms(s.id));
      button(actions, s.drained ? 'Undrain' : 'Drain (move rooms away)', async () => {
        if (!s.drained && !confirm('Drain ' + s.id + '? It gets no new rooms, and its rooms move to the other live servers (their users reconnect in about a second). Use it before stopping or upgrading the server.')) return;
        try { const r = await call('POST', 'drain', { id: s.id, drained: !s.drained }); say(r.message); refresh(); } catch (e) { say(e.message); }
      });
      if (!s.alive && !s.static) button(actions, 'Forget', async () => {
        try { await call('POST', 'forget-server', { id: s.id }); refresh(); } catch (e) { say(e.message); }
      });
      tbody.appendChild(tr);
    }
  } catch (e) { say(e.message); }
}
async function maintenance(on) {
  try { await call('POST', 'maintenance', { on }); say(on ? 'Maintenance notice sent to every room.' : 'Maintenance notice cleared.'); }
  catch (e) { say(e.message); }
}
$('mOn').onclick = () => maintenance(true);
$('mOff').onclick = () => maintenance(false);
$('refresh').onclick = refresh;
refresh();
setInterval(refresh, 5000);
</script></body></html>
)HTML");
}

} // namespace ic::balancer
