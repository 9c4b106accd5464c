/* One WebSocket to the server that holds a room: placement via /pick_backend, the init frame,
   keep-alive, and reconnection with capped exponential backoff plus jitter (at once after a
   close 1012, "room moved"). */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});
  var P = IC.protocol;

  var BASE_DELAY_MS = 1000;
  var MAX_DELAY_MS = 30000;
  // The room moved to another server or its server restarts on purpose: the room is (about to
  // be) ready elsewhere, so come back at once; the jitter spreads the room's members a little.
  var MOVED_CLOSE = 1012;
  var MOVED_JITTER_MS = 300;

  function Connection(roomName, handlers) {
    this.roomName = roomName;
    this.h = handlers || {};
    this.ws = null;
    this.attempt = 0;
    this.stopped = false;
    this.retryTimer = null;
    this.keepAliveTimer = null;
    this.retryAt = 0;
    this.alternatives = [];
    this.everOpened = false;
  }

  Connection.prototype.pickBackend = function () {
    var self = this;
    // The first placement of a room page was asked for by boot.js while the page loaded.
    var early = IC.early;
    if (early && early.pick && early.room === this.roomName) {
      var asked = early.pick;
      early.pick = null; // a reconnect asks anew
      return $.when(asked).then(function (res) {
        if (!res) return self.pickBackend();
        self.alternatives = Array.isArray(res.aN) ? res.aN.map(String) : [];
        return res.bA;
      });
    }
    return $.ajax({
      url: '/pick_backend',
      data: { roomName: this.roomName },
      dataType: 'json',
      cache: false,
      timeout: 10000
    }).then(function (res) {
      self.alternatives = (res && Array.isArray(res.aN)) ? res.aN.map(String) : [];
      if (!res || !res.bA) {
        return $.Deferred().reject({ message: (res && res.e) || 'No chat server is available right now.' });
      }
      return res.bA;
    }, function (xhr) {
      var msg = 'The chat service cannot be reached.';
      if (xhr && xhr.responseJSON && xhr.responseJSON.e) msg = xhr.responseJSON.e;
      return $.Deferred().reject({ message: msg });
    });
  };

  Connection.prototype.connect = function () {
    var self = this;
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.emitState('connecting');
    this.pickBackend().then(function (backend) {
      if (self.stopped) return;
      self.open(backend);
    }, function (err) {
      if (self.stopped) return;
      self.lastError = err.message;
      self.scheduleRetry();
    });
  };

  // The socket boot.js opened to this backend, if it is still usable: taken once.
  function takeEarlySocket(roomName, backend) {
    var early = IC.early;
    if (!early || early.room !== roomName || early.backend !== backend || !early.ws) return null;
    var ws = early.ws;
    early.ws = null;
    if (ws.readyState !== WebSocket.CONNECTING && ws.readyState !== WebSocket.OPEN) return null;
    return { ws: ws, frames: early.frames.splice(0) };
  }

  Connection.prototype.open = function (backend) {
    var self = this;
    // The page's scheme decides: an https page may only open wss.
    var scheme = global.location.protocol === 'https:' ? 'wss://' : 'ws://';
    var ws;
    var taken = takeEarlySocket(this.roomName, backend);
    try {
      ws = taken ? taken.ws : new WebSocket(scheme + backend + '/ws_entry');
    } catch (e) {
      this.lastError = 'The chat server address is not valid.';
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    var opened = function (initSent) {
      if (ws !== self.ws) return;
      // The server consumes the first frame whatever it is: the platform tag, and pv 2 for
      // member deltas (R_M_D) and typing signals (TY) instead of the full list on every change.
      if (!initSent) ws.send(JSON.stringify({ p: 'unknown', pv: 2 }));
      var reconnect = self.everOpened;
      self.everOpened = true;
      self.attempt = 0;
      self.lastError = '';
      self.startKeepAlive();
      self.emitState('open');
      if (self.h.onOpen) self.h.onOpen(reconnect);
    };
    // An early socket still connecting gets its init frame here (boot.js's onopen is replaced).
    ws.onopen = function () { opened(false); };
    ws.onmessage = function (ev) {
      if (ws !== self.ws) return;
      var handle = function (text) {
        var frame = P.parse(text);
        if (frame && self.h.onFrame) self.h.onFrame(frame);
      };
      if (typeof ev.data === 'string') handle(ev.data);
      else if (ev.data && ev.data.text) ev.data.text().then(handle);
    };
    ws.onclose = function (ev) {
      if (ws !== self.ws) return;
      self.ws = null;
      self.stopKeepAlive();
      if (self.h.onClose) self.h.onClose(ev.code);
      if (self.stopped) return;
      if (ev.code === MOVED_CLOSE) self.reconnectSoon(); else self.scheduleRetry();
    };
    ws.onerror = function () { /* onclose follows and does the work */ };
    if (taken) {
      taken.frames.forEach(function (ev) { ws.onmessage(ev); });
      // Already open: boot.js sent the init frame.
      if (ws.readyState === WebSocket.OPEN) opened(true);
    }
  };

  Connection.prototype.startKeepAlive = function () {
    var self = this;
    this.stopKeepAlive();
    this.keepAliveTimer = setInterval(function () {
      self.send({ kA: 'OK' });
    }, P.KEEP_ALIVE_MS);
  };

  Connection.prototype.stopKeepAlive = function () {
    clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = null;
  };

  // Exponential backoff with "equal jitter": many clients dropped by one server restart do not
  // all come back in the same millisecond, and nobody waits more than 30 s.
  Connection.prototype.nextDelay = function () {
    var cap = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * Math.pow(2, this.attempt));
    return Math.round(cap / 2 + Math.random() * cap / 2);
  };

  Connection.prototype.scheduleRetry = function () {
    var self = this;
    if (this.stopped) return;
    var delay = this.nextDelay();
    this.attempt += 1;
    this.retryAt = Date.now() + delay;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(function () { self.connect(); }, delay);
    this.emitState('waiting');
  };

  // After close 1012: no backoff and no growth of it, only a little jitter.
  Connection.prototype.reconnectSoon = function () {
    var self = this;
    var delay = Math.floor(Math.random() * (MOVED_JITTER_MS + 1));
    this.retryAt = Date.now() + delay;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(function () { self.connect(); }, delay);
    this.emitState('connecting');
  };

  Connection.prototype.retryNow = function () {
    if (this.stopped) return;
    this.connect();
  };

  Connection.prototype.emitState = function (state) {
    if (this.h.onState) this.h.onState(state, this);
  };

  Connection.prototype.isOpen = function () {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  };

  Connection.prototype.send = function (frame) {
    if (!this.isOpen()) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  };

  // Stopping is final (leaving, or another tab took over); restart() undoes it on request.
  Connection.prototype.stop = function () {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.stopKeepAlive();
    if (this.ws) {
      var ws = this.ws;
      this.ws = null;
      try { ws.close(1000, 'bye'); } catch (e) { /* already closing */ }
    }
  };

  Connection.prototype.restart = function () {
    this.stopped = false;
    this.attempt = 0;
    this.connect();
  };

  IC.Connection = Connection;
})(window);
