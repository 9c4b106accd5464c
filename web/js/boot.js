/* Loaded in <head> of the room page, before the other scripts: asks the balancer which server
   holds the room and opens the WebSocket to it while the rest of the page is still loading and
   being parsed. connection.js takes the socket over (IC.early) when the room starts; the join
   itself waits for it. Without this the page would place the room and connect only after every
   script ran: a few hundred ms of a cold room's load. */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});

  // The room's name as main.js derives it from the path (canonical: trimmed, lower case).
  function roomFromPath() {
    var raw = global.location.pathname.replace(/^\/+/, '');
    try { raw = decodeURIComponent(raw); } catch (e) { /* main.js shows the raw name too */ }
    raw = raw.replace(/\/+$/, '');
    var name = raw.trim().toLowerCase();
    var length = Array.from(name).length;
    return !raw || raw === 'index.html' || length < 3 || length > 100 ? '' : name;
  }

  var room = roomFromPath();
  if (!room || !global.fetch || !global.WebSocket) return;

  var early = IC.early = { room: room, backend: null, ws: null, frames: [] };

  // Resolves to the placement answer, or null on any failure (connection.js then asks itself,
  // and shows the error it gets).
  early.pick = global.fetch('/pick_backend?roomName=' + encodeURIComponent(room), {
    cache: 'no-store', credentials: 'same-origin'
  }).then(function (res) {
    return res.ok ? res.json() : null;
  }).then(function (res) {
    if (!res || !res.bA) return null;
    early.backend = res.bA;
    open(res.bA);
    return res;
  }, function () { return null; });

  function open(backend) {
    var scheme = global.location.protocol === 'https:' ? 'wss://' : 'ws://';
    var ws;
    try { ws = new WebSocket(scheme + backend + '/ws_entry'); } catch (e) { return; }
    early.ws = ws;
    ws.onopen = function () {
      // The same init frame as connection.js: the platform tag and pv 2 (docs/protocol.md §3.2).
      ws.send(JSON.stringify({ p: 'unknown', pv: 2 }));
    };
    // Nothing is due before the join; kept anyway, so no frame is lost in the hand-over.
    ws.onmessage = function (ev) { early.frames.push(ev); };
    ws.onclose = function () { if (early.ws === ws) early.ws = null; };
  }
})(window);
