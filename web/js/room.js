/* Room page controller: state from server frames, user actions to frames. Rendering of single
   messages lives in messages.js, the socket in connection.js. */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});
  var P = IC.protocol;
  var M = IC.messages;

  var S = {
    room: '',
    password: '',
    gateNick: '',
    conn: null,
    joined: false,
    joinRq: null,
    everJoined: false,
    rId: '',
    me: '',
    creator: '',
    createdAt: null,
    hasPassword: false,
    users: {},
    userOrder: [],
    haveUsers: false,
    messages: [],
    byId: {},
    haveMessages: false,
    notices: [],
    description: '',
    descriptionKnown: false,
    bN: null,
    pending: {},
    ctx: { mode: 'new', editId: null, rU: null, rM: null },
    sending: null,
    queued: false,
    unread: 0,
    newBelow: 0,
    replaced: false,
    search: { matches: [], index: -1 },
    settings: { sound: false, notify: false, notifyAll: false, notices: true }
  };

  var $stream, $input;
  var countdownTimer = null;

  /* ---------------- helpers ---------------- */

  function userName(uId) {
    var u = S.users[uId];
    if (uId === P.NIL_UUID) return { name: u ? IC.decode(u.n) : 'external-user', anon: false };
    if (!u) return { name: 'unknown user', anon: false };
    return { name: IC.decode(u.n), anon: !!u.an };
  }

  function myName() { return S.me ? userName(S.me).name : ''; }

  function isMention(msg) {
    if (!S.me || msg.uId === S.me) return false;
    if (msg.rU === S.me) return true;
    var name = myName();
    if (!name) return false;
    var text = IC.decode(msg.t).toLowerCase();
    return text.indexOf('@' + name.toLowerCase()) !== -1;
  }

  var renderCtx = {
    userName: userName,
    message: function (id) { return S.byId[id]; },
    isMention: isMention,
    drawing: function (ref, $holder, msg) { IC.drawing.fill(ref, $holder, msg); }
  };

  function ctx() {
    renderCtx.me = S.me;
    renderCtx.creator = S.creator;
    return renderCtx;
  }

  function roomTitle() {
    return S.room + ' — instantchat';
  }

  function updateTitle() {
    document.title = (S.unread > 0 ? '(' + S.unread + ') ' : '') + roomTitle();
  }

  function atBottom() {
    var el = $stream[0];
    return el.scrollHeight - el.scrollTop - el.clientHeight < 48;
  }

  function scrollToBottom() {
    var el = $stream[0];
    el.scrollTop = el.scrollHeight;
    S.newBelow = 0;
    $('#new-messages').prop('hidden', true);
  }

  // Remember which card is at the top of the viewport so a full re-render (reconnect, dropped
  // messages) does not move what the reader is looking at.
  function captureAnchor() {
    var el = $stream[0];
    if (atBottom()) return { bottom: true };
    var top = el.getBoundingClientRect().top;
    var found = null;
    $stream.children('.msg').each(function () {
      var r = this.getBoundingClientRect();
      if (r.bottom > top) { found = { id: this.getAttribute('data-id'), offset: r.top - top }; return false; }
      return undefined;
    });
    return found || { bottom: true };
  }

  function restoreAnchor(anchor) {
    if (!anchor || anchor.bottom) { scrollToBottom(); return; }
    var card = document.getElementById('msg-' + anchor.id);
    if (!card) { scrollToBottom(); return; }
    var el = $stream[0];
    el.scrollTop += card.getBoundingClientRect().top - el.getBoundingClientRect().top - anchor.offset;
  }

  function request(frame) {
    return new Promise(function (resolve, reject) {
      if (!S.joined || !S.conn.send(frame)) {
        reject({ code: 'offline' });
        return;
      }
      S.pending[frame.rq] = { resolve: resolve, reject: reject };
    });
  }

  function roomRef() { return { name: S.room, password: S.password }; }

  function failPending() {
    var pend = S.pending;
    S.pending = {};
    Object.keys(pend).forEach(function (rq) { pend[rq].reject({ code: 'offline' }); });
  }

  function errorMessage(e) {
    if (e && e.code === 'offline') return 'You are offline right now; this will be possible again after reconnecting.';
    return P.errorText(e && e.code);
  }

  /* ---------------- header ---------------- */

  function renderHeader() {
    var members = 0;
    var online = 0;
    S.userOrder.forEach(function (uId) {
      if (uId === P.NIL_UUID) return;
      members += 1;
      if (S.users[uId].o) online += 1;
    });
    $('#online-count').text(online + ' online');
    $('#member-count').text(members + (members === 1 ? ' member' : ' members'));
    $('#users-toggle .count').text(online);
    if (S.createdAt) {
      $('#started-at').text(IC.formatDateTime(S.createdAt)).attr('datetime', S.createdAt.toISOString());
    }
    $('#password-badge').prop('hidden', !S.hasPassword);
    renderDescription();
  }

  function renderDescription() {
    var isCreator = !!S.me && S.me === S.creator;
    var $t = $('#description-text');
    if (S.description) {
      $t.text(S.description).removeClass('is-empty');
    } else {
      $t.text(isCreator ? 'No description yet — add one so people know what this room is about.' : 'No description.')
        .addClass('is-empty');
    }
    $('#description-edit').prop('hidden', !isCreator || !$('#description-form').prop('hidden'));
    $('#room-description').prop('hidden', !S.description && !isCreator);
  }

  /* ---------------- users ---------------- */

  function applyUsers(list) {
    var old = S.users;
    var next = {};
    var order = [];
    (list || []).forEach(function (u) {
      if (!u || typeof u.uId !== 'string') return;
      next[u.uId] = u;
      order.push(u.uId);
    });
    if (S.haveUsers) {
      order.forEach(function (uId) {
        if (uId === P.NIL_UUID) return;
        var u = next[uId];
        var was = old[uId];
        var name = IC.decode(u.n);
        if (!was) {
          addNotice(name + (u.o ? ' joined' : ' was added'), 'presence');
        } else {
          if (was.n !== u.n) addNotice(IC.decode(was.n) + ' is now known as ' + name, 'presence');
          if (!was.o && u.o) addNotice(name + ' is back online', 'presence');
          if (was.o && !u.o) addNotice(name + ' left', 'presence');
        }
      });
    }
    var namesChanged = !S.haveUsers || order.some(function (uId) {
      return !old[uId] || old[uId].n !== next[uId].n || old[uId].an !== next[uId].an;
    });
    S.users = next;
    S.userOrder = order;
    S.haveUsers = true;
    renderUsers();
    renderHeader();
    if (namesChanged && S.haveMessages) renderAll();
    renderComposerIdentity();
  }

  function renderUsers() {
    var $list = $('#user-list').empty();
    var ids = S.userOrder.filter(function (uId) { return uId !== P.NIL_UUID; });
    // Me first, then online people, then the rest; alphabetical inside each group.
    ids.sort(function (a, b) {
      var ka = (a === S.me ? 0 : S.users[a].o ? 1 : 2);
      var kb = (b === S.me ? 0 : S.users[b].o ? 1 : 2);
      if (ka !== kb) return ka - kb;
      return userName(a).name.localeCompare(userName(b).name);
    });
    ids.forEach(function (uId) {
      var u = S.users[uId];
      var info = userName(uId);
      var $li = $('<li class="user"></li>').toggleClass('is-online', !!u.o).toggleClass('is-me', uId === S.me)
        .attr('data-uid', uId);
      var $who = $('<span class="user-name"></span>').text(info.name);
      var $status = $('<span class="user-status"></span>')
        .append($('<span class="dot" aria-hidden="true"></span>'))
        .append($('<span class="status-text"></span>').text(u.o ? 'online' : 'offline'));
      var $tags = $('<span class="user-tags"></span>');
      if (uId === S.me) $tags.append($('<span class="tag tag-you"></span>').text('you'));
      if (uId === S.creator) $tags.append($('<span class="tag tag-creator"></span>').text('creator'));
      if (info.anon) $tags.append($('<span class="tag tag-anon"></span>').text('anon'));
      if (uId === S.me) {
        $li.append($('<div class="user-main"></div>').append($who, $tags), $status);
        $li.append($('<button type="button" class="act user-rename"></button>').text('Rename')
          .attr('aria-label', 'Change my name'));
      } else {
        var $btn = $('<button type="button" class="user-pick"></button>')
          .attr('aria-label', 'Reply to ' + info.name + (u.o ? ' (online)' : ' (offline)'))
          .append($('<span class="user-main"></span>').append($who, $tags), $status);
        $li.append($btn);
      }
      $list.append($li);
    });
  }

  function renderComposerIdentity() {
    $('#my-name').text(myName() || '…');
  }

  /* ---------------- messages ---------------- */

  function sortMessages() {
    S.messages.sort(function (a, b) { return a.id - b.id; });
  }

  function noticeEl(n) {
    return M.notice(n.text, n.kind);
  }

  function renderAll() {
    var anchor = captureAnchor();
    $stream.empty();
    var prev = null;
    var noticeIdx = 0;
    var notices = S.notices;
    var flushNotices = function (uptoId) {
      while (noticeIdx < notices.length && notices[noticeIdx].afterId <= uptoId) {
        $stream.append(noticeEl(notices[noticeIdx]));
        noticeIdx += 1;
      }
    };
    S.messages.forEach(function (msg) {
      flushNotices(msg.id - 1);
      if (!prev || M.dayKey(prev) !== M.dayKey(msg)) $stream.append(M.daySeparator(msg));
      $stream.append(M.render(msg, prev, ctx()));
      prev = msg;
    });
    flushNotices(Infinity);
    if (!S.messages.length && S.haveMessages) {
      $stream.append($('<div class="stream-empty"></div>')
        .append($('<p class="stream-empty-title"></p>').text('No messages yet'))
        .append($('<p></p>').text('Say hello, or share the link so others can join.')));
    }
    restoreAnchor(anchor);
    renderPicks();
    refreshSearch();
  }

  function rerenderCard(id) {
    var msg = S.byId[id];
    var $old = $('#msg-' + id);
    if (!msg || !$old.length) return;
    var idx = S.messages.indexOf(msg);
    $old.replaceWith(M.render(msg, idx > 0 ? S.messages[idx - 1] : null, ctx()));
  }

  // Cards that quote a message show its snippet; they change when it is edited or deleted.
  function rerenderQuotesOf(id) {
    S.messages.forEach(function (m) {
      if (m.rM === id) rerenderCard(m.id);
    });
  }

  function normalise(m) {
    return {
      id: Number(m.id), t: m.t === undefined ? '' : String(m.t), sC: m.sC || 0, rC: m.rC || 0,
      lE: m.lE, lV: m.lV, rU: m.rU, rM: m.rM === undefined || m.rM === null ? undefined : Number(m.rM),
      uId: m.uId, cAt: m.cAt || Math.floor(Date.now() / 1000)
    };
  }

  function appendMessage(raw) {
    var msg = normalise(raw);
    if (S.byId[msg.id]) return;
    var wasAtBottom = atBottom();
    var prev = S.messages.length ? S.messages[S.messages.length - 1] : null;
    S.messages.push(msg);
    S.byId[msg.id] = msg;
    if (prev && prev.id > msg.id) { sortMessages(); renderAll(); return; }
    $stream.children('.stream-empty').remove();
    if (!prev || M.dayKey(prev) !== M.dayKey(msg)) $stream.append(M.daySeparator(msg));
    $stream.append(M.render(msg, prev, ctx()));
    var mine = msg.uId === S.me;
    if (mine || wasAtBottom) {
      scrollToBottom();
    } else {
      S.newBelow += 1;
      $('#new-messages').prop('hidden', false)
        .find('.label').text(S.newBelow === 1 ? '1 new message' : S.newBelow + ' new messages');
    }
    if (!mine) awareness(msg);
    if (S.search.query) refreshSearch();
  }

  function addNotice(text, kind) {
    var lastId = S.messages.length ? S.messages[S.messages.length - 1].id : 0;
    var n = { afterId: lastId, text: text, kind: kind };
    S.notices.push(n);
    if (S.notices.length > 300) S.notices.shift();
    var wasAtBottom = atBottom();
    $stream.children('.stream-empty').remove();
    $stream.append(noticeEl(n));
    if (wasAtBottom) scrollToBottom();
  }

  /* ---------------- picks ---------------- */

  function renderPicks() {
    var picks = S.messages.filter(function (m) { return !m.deleted && (m.sC > 0 || m.rC > 0); });
    picks.sort(function (a, b) { return (b.sC - a.sC) || (a.rC - b.rC) || (a.id - b.id); });
    var $list = $('#picks-list').empty();
    $('#picks-empty').prop('hidden', picks.length > 0);
    $('#picks-toggle .count').text(picks.length);
    picks.forEach(function (m) {
      var $b = $('<button type="button" class="pick"></button>').attr('data-target', m.id);
      $b.append($('<span class="pick-ref"></span>').text('#' + m.id));
      $b.append($('<span class="pick-text"></span>').text(userName(m.uId).name + ': ' + M.snippet(M.plainText(m), 60)));
      $b.append($('<span class="pick-votes"></span>').text('support ' + m.sC + ' · reject ' + m.rC));
      $list.append($('<li></li>').append($b));
    });
  }

  function jumpTo(id) {
    var card = document.getElementById('msg-' + id);
    if (!card) { IC.toast('That message is not available any more.'); return; }
    card.scrollIntoView({ block: 'center', behavior: 'smooth' });
    $('.msg.is-highlight').removeClass('is-highlight');
    $(card).addClass('is-highlight');
    card.focus({ preventScroll: true });
    setTimeout(function () { $(card).removeClass('is-highlight'); }, 2500);
  }

  /* ---------------- awareness ---------------- */

  var audioCtx = null;
  function beep() {
    try {
      audioCtx = audioCtx || new (global.AudioContext || global.webkitAudioContext)();
      var o = audioCtx.createOscillator();
      var g = audioCtx.createGain();
      o.frequency.value = 660;
      g.gain.setValueAtTime(0.0001, audioCtx.currentTime);
      g.gain.exponentialRampToValueAtTime(0.15, audioCtx.currentTime + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, audioCtx.currentTime + 0.25);
      o.connect(g);
      g.connect(audioCtx.destination);
      o.start();
      o.stop(audioCtx.currentTime + 0.3);
    } catch (e) { /* sound is optional */ }
  }

  function awareness(msg) {
    var hidden = document.visibilityState === 'hidden';
    if (hidden) {
      S.unread += 1;
      updateTitle();
    }
    var away = hidden || !document.hasFocus();
    if (!away) return;
    var mention = isMention(msg);
    if (!mention && !S.settings.notifyAll) return;
    if (S.settings.sound) beep();
    if (S.settings.notify && global.Notification && Notification.permission === 'granted') {
      try {
        var n = new Notification((mention ? userName(msg.uId).name + ' mentioned you' : userName(msg.uId).name) + ' — ' + S.room, {
          body: M.snippet(M.plainText(msg), 120), tag: 'ic-' + S.room
        });
        n.onclick = function () { global.focus(); jumpTo(msg.id); n.close(); };
      } catch (e) { /* some platforms only allow notifications from a service worker */ }
    }
  }

  /* ---------------- banners ---------------- */

  function showConnBanner(state) {
    var $b = $('#conn-banner');
    clearInterval(countdownTimer);
    if (state === 'joined' || S.replaced || !S.everJoined && state !== 'waiting') {
      $b.prop('hidden', true);
      return;
    }
    var $text = $b.find('.banner-text');
    if (state === 'waiting') {
      var tick = function () {
        var secs = Math.max(0, Math.ceil((S.conn.retryAt - Date.now()) / 1000));
        $text.text((S.conn.lastError ? S.conn.lastError + ' ' : 'Connection lost. ') + 'Reconnecting in ' + secs + ' s…' +
          (S.queued ? ' Your message will be sent then.' : ''));
      };
      tick();
      countdownTimer = setInterval(tick, 500);
      $b.find('.retry-now').prop('hidden', false);
    } else {
      $text.text('Reconnecting…');
      $b.find('.retry-now').prop('hidden', true);
    }
    $b.prop('hidden', false);
  }

  function checkVersion(bN) {
    if (!bN) return;
    if (S.bN === null) { S.bN = bN; return; }
    if (S.bN !== bN) $('#version-banner').prop('hidden', false);
  }

  function applyStatus(sS) {
    if (!sS) return;
    var $b = $('#status-banner');
    if (sS === 'shutting_down' || sS === 'restarting') {
      $b.find('.banner-text').text(sS === 'restarting'
        ? 'The server is restarting for maintenance. You may be disconnected briefly; this page reconnects by itself.'
        : 'The server is shutting down. You may be disconnected; this page reconnects by itself.');
      $b.prop('hidden', false);
    } else {
      $b.prop('hidden', true);
    }
  }

  /* ---------------- server frames ---------------- */

  function onFrame(f) {
    if (f.bN) checkVersion(f.bN);
    switch (f.c) {
      case 'R_M_CH': applyUsers(f.rU); break;
      case 'ALL_TM': onAllMessages(f.m || []); break;
      case 'R_CH_D':
        if (f.rCuId) S.creator = f.rCuId;
        S.description = IC.decode(f.m && f.m[0] ? f.m[0].t : '');
        S.descriptionKnown = true;
        applyStatus(f.sS);
        renderHeader();
        renderUsers();
        break;
      case 'TM':
      case 'DM': (f.m || []).forEach(appendMessage); break;
      case 'TM_E': (f.m || []).forEach(onEdited); break;
      case 'TM_D': (f.m || []).forEach(onDeleted); break;
      case 'TM_S_R': (f.m || []).forEach(onVoted); break;
      case 'N_M_LIMIT_A':
        addNotice('This room is close to its limit of 1000 messages; the oldest ones will be removed as new ones arrive.', 'limit');
        break;
      case 'N_M_LIMIT_R': onDropped(f); break;
      case 'RP': onReply(f); break;
      case 'ER': onError(f); break;
      default: break;
    }
  }

  function onAllMessages(list) {
    var known = S.byId;
    S.messages = [];
    S.byId = {};
    list.forEach(function (raw) {
      var msg = normalise(raw);
      S.messages.push(msg);
      S.byId[msg.id] = msg;
    });
    // Messages deleted while we were away simply disappear; ones we saw deleted stay as placeholders.
    Object.keys(known).forEach(function (id) {
      if (known[id].deleted && !S.byId[id]) {
        S.messages.push(known[id]);
        S.byId[id] = known[id];
      }
    });
    sortMessages();
    S.haveMessages = true;
    renderAll();
  }

  function onEdited(m) {
    var msg = S.byId[m.id];
    if (!msg) return;
    msg.t = String(m.t);
    msg.lE = m.lE || Date.now() * 1e6;
    msg.rU = m.rU;
    msg.rM = m.rM === undefined || m.rM === null ? undefined : Number(m.rM);
    rerenderCard(msg.id);
    rerenderQuotesOf(msg.id);
    renderPicks();
    if (S.search.query) refreshSearch();
  }

  function onDeleted(m) {
    var msg = S.byId[m.id];
    if (!msg) return;
    msg.deleted = true;
    rerenderCard(msg.id);
    rerenderQuotesOf(msg.id);
    renderPicks();
    if (S.ctx.mode === 'edit' && S.ctx.editId === msg.id) cancelContext();
  }

  function onVoted(m) {
    var msg = S.byId[m.id];
    if (!msg) return;
    msg.sC = m.sC || 0;
    msg.rC = m.rC || 0;
    rerenderCard(msg.id);
    renderPicks();
  }

  function onDropped(f) {
    var lowest = parseInt(f.m && f.m[0] ? f.m[0].t : '0', 10);
    if (!(lowest > 0)) return;
    S.messages = S.messages.filter(function (m) {
      if (m.id < lowest) { delete S.byId[m.id]; return false; }
      return true;
    });
    S.notices = S.notices.filter(function (n) { return n.afterId >= lowest - 1; });
    S.notices.push({ afterId: lowest - 1, text: 'Older messages (before #' + lowest + ') were removed: a room keeps only its newest 1000 messages.', kind: 'limit' });
    renderAll();
  }

  function onReply(f) {
    if (f.rq && f.rq === S.joinRq) { onJoined(f); return; }
    var p = S.pending[f.rq];
    if (p) { delete S.pending[f.rq]; p.resolve(f); }
  }

  function onError(f) {
    var code = P.errorCode(f);
    if (code === '209') { onReplaced(); return; }
    if (f.rq && f.rq === S.joinRq) { onJoinFailed(code); return; }
    var p = S.pending[f.rq];
    if (p) { delete S.pending[f.rq]; p.reject({ code: code }); return; }
    if (code === '202') {
      // The room was deleted under us (e.g. by an admin).
      showFatal('This room was deleted.', 'You can create it again by reloading this page.');
    }
  }

  /* ---------------- joining ---------------- */

  function sendJoin() {
    var frame = P.joinFrame('R_C_J', roomRef(), S.gateNick);
    S.joinRq = frame.rq;
    S.conn.send(frame);
  }

  function onJoined(f) {
    S.joinRq = null;
    S.joined = true;
    S.everJoined = true;
    S.password = '';
    S.gateNick = '';
    S.rId = f.rId || S.rId;
    S.me = f.uId || S.me;
    if (f.cAt) S.createdAt = P.nanosToDate(f.cAt);
    S.hasPassword = /password=true/.test(f.pd || '');
    $('#password-gate').prop('hidden', true);
    $('#fatal').prop('hidden', true);
    $('#room-main').prop('hidden', false);
    showConnBanner('joined');
    IC.recent.add(S.room);
    renderHeader();
    renderUsers();
    renderComposerIdentity();
    renderAll();
    if (S.queued) {
      S.queued = false;
      sendComposer();
    }
  }

  function onJoinFailed(code) {
    S.joinRq = null;
    if (code === '203') { showPasswordGate(); return; }
    if (code === '204' || code === '205') {
      // Only the gate sends a name on join; let the user fix it there.
      showPasswordGate(P.errorText(code), true);
      return;
    }
    if (code === '208') {
      showFatal('This room is full right now.', 'Try again in a little while.', true);
      return;
    }
    showFatal(P.errorText(code), '', code === '202' || code === '101' || code === '429');
  }

  function showPasswordGate(nickError, keepPassword) {
    var $g = $('#password-gate');
    var first = $g.prop('hidden');
    $g.prop('hidden', false);
    $('#room-main').prop('hidden', !S.everJoined);
    $('#gate-room').text(S.room);
    var hadPassword = !!S.password && !keepPassword;
    $('#gate-error').text(hadPassword ? 'Wrong password. Please try again, or use a free name:' : '')
      .prop('hidden', !hadPassword);
    $('#gate-nick-error').text(nickError || '').prop('hidden', !nickError);
    var alts = S.conn.alternatives || [];
    var $chips = $('#gate-chips').empty();
    $('#gate-alternatives').prop('hidden', !hadPassword || alts.length === 0);
    alts.forEach(function (s) {
      var alt = S.room + '-' + s;
      $chips.append($('<a class="chip"></a>').attr('href', '/' + encodeURIComponent(alt)).text(alt)
        .attr('aria-label', 'Go to the free room ' + alt));
    });
    $('#gate-password').val('');
    if (first || hadPassword) $('#gate-password').trigger('focus');
    $('#gate-submit').prop('disabled', false).text('Join');
  }

  function showFatal(title, detail, canRetry) {
    $('#fatal-title').text(title);
    $('#fatal-detail').text(detail || '').prop('hidden', !detail);
    $('#fatal-retry').prop('hidden', !canRetry);
    $('#fatal').prop('hidden', false);
  }

  function onReplaced() {
    S.replaced = true;
    S.joined = false;
    S.conn.stop();
    failPending();
    showConnBanner('replaced');
    $('#replaced-banner').prop('hidden', false);
    $('#composer-submit').prop('disabled', true);
  }

  function useHere() {
    S.replaced = false;
    $('#replaced-banner').prop('hidden', true);
    $('#composer-submit').prop('disabled', false);
    S.conn.restart();
  }

  /* ---------------- composer ---------------- */

  function draftKey() { return 'draft.' + S.room; }

  function saveDraft() {
    if (S.ctx.mode === 'edit') return;
    var v = $input.val();
    if (v) IC.store.set(draftKey(), v); else IC.store.remove(draftKey());
  }

  function updateCounter() {
    var n = Array.from($input.val()).length;
    var $c = $('#char-counter');
    // Only near the limit: a permanent counter is noise for chat-length messages.
    if (n >= P.MAX_TEXT * 0.8) {
      $c.text(n + ' / ' + P.MAX_TEXT).prop('hidden', false).toggleClass('is-over', n > P.MAX_TEXT);
    } else {
      $c.prop('hidden', true);
    }
  }

  function setComposerError(text) {
    $('#composer-error').text(text || '').prop('hidden', !text);
  }

  function renderContext() {
    var c = S.ctx;
    var $bar = $('#composer-context');
    var $t = $bar.find('.context-text').empty();
    if (c.mode === 'edit') {
      $t.append($('<strong></strong>').text('Editing message #' + c.editId));
      $bar.find('.context-cancel').attr('aria-label', 'Cancel editing');
    } else if (c.rM !== null) {
      var q = S.byId[c.rM];
      $t.append($('<strong></strong>').text('Quoting #' + c.rM + ' '))
        .append($('<span></span>').text(q ? userName(q.uId).name + ': ' + M.snippet(M.plainText(q), 30) : ''));
      $bar.find('.context-cancel').attr('aria-label', 'Cancel quote');
    } else if (c.rU) {
      $t.append(document.createTextNode('Replying to ')).append($('<strong></strong>').text('@' + userName(c.rU).name));
      $bar.find('.context-cancel').attr('aria-label', 'Cancel reply');
    }
    $bar.prop('hidden', c.mode !== 'edit' && c.rM === null && !c.rU);
    $('#composer-submit .label').text(c.mode === 'edit' ? 'Save' : 'Send');
  }

  function cancelContext() {
    var wasEdit = S.ctx.mode === 'edit';
    S.ctx = { mode: 'new', editId: null, rU: null, rM: null };
    if (wasEdit) $input.val(IC.store.get(draftKey(), ''));
    renderContext();
    updateCounter();
    setComposerError('');
  }

  function startReply(uId) {
    if (!uId || uId === S.me) return;
    if (S.ctx.mode === 'edit') cancelContext();
    S.ctx.rU = uId;
    S.ctx.rM = null;
    renderContext();
    $input.trigger('focus');
  }

  function startQuote(id) {
    var msg = S.byId[id];
    if (!msg) return;
    if (S.ctx.mode === 'edit') cancelContext();
    S.ctx.rU = msg.uId;
    S.ctx.rM = msg.id;
    renderContext();
    $input.trigger('focus');
  }

  function startEdit(id) {
    var msg = S.byId[id];
    if (!msg || msg.uId !== S.me || msg.deleted || P.drawingRef(IC.decode(msg.t))) return;
    saveDraft();
    S.ctx = { mode: 'edit', editId: id, rU: msg.rU || null, rM: msg.rM === undefined ? null : msg.rM };
    $input.val(IC.decode(msg.t));
    renderContext();
    updateCounter();
    $input.trigger('focus');
    var end = $input.val().length;
    $input[0].setSelectionRange(end, end);
  }

  function lastOwnTextMessage() {
    for (var i = S.messages.length - 1; i >= 0; i--) {
      var m = S.messages[i];
      if (m.uId === S.me && !m.deleted && !P.drawingRef(IC.decode(m.t))) return m;
    }
    return null;
  }

  function sendComposer() {
    var text = $input.val();
    if (!text.trim() || S.sending) return;
    if (Array.from(text).length > P.MAX_TEXT) {
      setComposerError(P.errorText('207') + ' Please shorten it by ' + (Array.from(text).length - P.MAX_TEXT) + ' characters.');
      return;
    }
    setComposerError('');
    var c = S.ctx;
    if (!S.joined) {
      // Keep it and send after reconnecting, as the banner promises.
      S.queued = true;
      setComposerError('Not connected — your message will be sent as soon as the connection is back.');
      showConnBanner(S.conn.retryTimer ? 'waiting' : 'connecting');
      return;
    }
    var frame = c.mode === 'edit'
      ? P.textFrame('TM_E', roomRef(), c.editId, text, c.rU, c.rM)
      : P.textFrame('TM', roomRef(), 0, text, c.rU, c.rM);
    S.sending = text;
    $('#composer').attr('aria-busy', 'true');
    request(frame).then(function () {
      S.sending = null;
      $('#composer').attr('aria-busy', null);
      // Clear only what was confirmed: anything typed meanwhile stays.
      if ($input.val() === text) $input.val('');
      var wasEdit = c.mode === 'edit';
      S.ctx = { mode: 'new', editId: null, rU: null, rM: null };
      if (wasEdit) $input.val(IC.store.get(draftKey(), ''));
      else IC.store.remove(draftKey());
      renderContext();
      updateCounter();
    }, function (e) {
      S.sending = null;
      $('#composer').attr('aria-busy', null);
      if (e.code === 'offline') {
        S.queued = true;
        setComposerError('Not connected — your message will be sent as soon as the connection is back.');
      } else {
        setComposerError(P.errorText(e.code) + ' Your text is still here.');
      }
    });
  }

  function bindComposer() {
    var coarse = global.matchMedia && global.matchMedia('(pointer: coarse)').matches;
    $input.val(IC.store.get(draftKey(), ''));
    updateCounter();
    $input.on('input', function () {
      saveDraft();
      updateCounter();
      if (!$input.val()) setComposerError('');
    });
    $input.on('keydown', function (ev) {
      if (ev.isComposing || ev.keyCode === 229) return;
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.altKey && !coarse) {
        ev.preventDefault();
        sendComposer();
      } else if (ev.key === 'ArrowUp' && !$input.val() && S.ctx.mode === 'new' && !ev.shiftKey) {
        var last = lastOwnTextMessage();
        if (last) { ev.preventDefault(); startEdit(last.id); }
      } else if (ev.key === 'Escape') {
        if (S.ctx.mode !== 'new' || S.ctx.rU || S.ctx.rM !== null) {
          ev.preventDefault();
          cancelContext();
        }
      }
    });
    $('#composer-form').on('submit', function (ev) {
      ev.preventDefault();
      sendComposer();
      $input.trigger('focus');
    });
    $('#composer-context .context-cancel').on('click', function () {
      cancelContext();
      $input.trigger('focus');
    });
  }

  /* ---------------- rename and description ---------------- */

  function openRename() {
    $('#identity').prop('hidden', true);
    $('#rename-form').prop('hidden', false);
    $('#rename-input').val(myName()).trigger('focus').trigger('select');
    $('#rename-error').prop('hidden', true);
  }

  function closeRename() {
    $('#rename-form').prop('hidden', true);
    $('#identity').prop('hidden', false);
  }

  function bindRename() {
    $('#rename-open').on('click', openRename);
    $('#user-list').on('click', '.user-rename', function () {
      closeSidePanels();
      openRename();
    });
    $('#rename-cancel').on('click', function () { closeRename(); $input.trigger('focus'); });
    $('#rename-form').on('keydown', function (ev) {
      if (ev.key === 'Escape') { ev.preventDefault(); closeRename(); $input.trigger('focus'); }
    });
    $('#rename-form').on('submit', function (ev) {
      ev.preventDefault();
      var name = $('#rename-input').val().trim();
      var problem = P.userNameProblem(name);
      if (problem) { $('#rename-error').text(problem).prop('hidden', false); return; }
      request(P.frame('R_CH_UN', roomRef(), { uN: encodeURIComponent(name) })).then(function () {
        closeRename();
        IC.toast('Name changed.');
        $input.trigger('focus');
      }, function (e) {
        $('#rename-error').text(errorMessage(e)).prop('hidden', false);
      });
    });
  }

  function bindDescription() {
    var $form = $('#description-form');
    var $ta = $('#description-input');
    var count = function () {
      var n = Array.from($ta.val()).length;
      $('#description-count').text(n + ' / ' + P.MAX_DESCRIPTION).toggleClass('is-over', n > P.MAX_DESCRIPTION);
    };
    $('#description-edit').on('click', function () {
      $ta.val(S.description);
      count();
      $form.prop('hidden', false);
      $('#description-edit').prop('hidden', true);
      $('#description-text').prop('hidden', true);
      $('#description-error').prop('hidden', true);
      $ta.trigger('focus');
    });
    var close = function () {
      $form.prop('hidden', true);
      $('#description-text').prop('hidden', false);
      renderDescription();
    };
    $ta.on('input', count);
    $('#description-cancel').on('click', close);
    $form.on('keydown', function (ev) { if (ev.key === 'Escape') { ev.preventDefault(); close(); } });
    $form.on('submit', function (ev) {
      ev.preventDefault();
      var text = $ta.val().trim();
      if (Array.from(text).length > P.MAX_DESCRIPTION) {
        $('#description-error').text(P.errorText('304')).prop('hidden', false);
        return;
      }
      request(P.frame('R_CH_D', roomRef(), { m: { t: encodeURIComponent(text) } })).then(function () {
        close();
        $('#description-edit').trigger('focus');
      }, function (e) {
        $('#description-error').text(errorMessage(e)).prop('hidden', false);
      });
    });
  }

  /* ---------------- search ---------------- */

  function refreshSearch() {
    var q = (S.search.query || '').toLowerCase();
    $('.msg.is-search-match').removeClass('is-search-match is-search-current');
    if (!q) { S.search.matches = []; S.search.index = -1; $('#search-status').text(''); return; }
    var matches = S.messages.filter(function (m) {
      if (m.deleted) return false;
      return (M.plainText(m) + ' ' + userName(m.uId).name).toLowerCase().indexOf(q) !== -1;
    }).map(function (m) { return m.id; });
    S.search.matches = matches;
    if (S.search.index >= matches.length) S.search.index = matches.length - 1;
    matches.forEach(function (id) { $('#msg-' + id).addClass('is-search-match'); });
    updateSearchStatus();
  }

  function updateSearchStatus() {
    var n = S.search.matches.length;
    var $s = $('#search-status');
    if (!n) {
      $s.text('No results');
    } else if (S.search.index < 0) {
      $s.text(n === 1 ? '1 match' : n + ' matches');
    } else {
      $s.text((S.search.index + 1) + ' of ' + n);
      $('#msg-' + S.search.matches[S.search.index]).addClass('is-search-current');
    }
    $('#search-prev, #search-next').prop('disabled', n === 0);
  }

  function searchStep(dir) {
    var n = S.search.matches.length;
    if (!n) return;
    // Start from the newest match going up, like a chat reader expects.
    if (S.search.index < 0) S.search.index = dir < 0 ? n - 1 : n - 1;
    else S.search.index = (S.search.index + (dir < 0 ? -1 : 1) + n) % n;
    $('.msg.is-search-current').removeClass('is-search-current');
    updateSearchStatus();
    var card = document.getElementById('msg-' + S.search.matches[S.search.index]);
    if (card) card.scrollIntoView({ block: 'center' });
  }

  function bindSearch() {
    var $bar = $('#search-bar');
    var $q = $('#search-input');
    var close = function () {
      $bar.prop('hidden', true);
      S.search.query = '';
      $q.val('');
      refreshSearch();
      $('#search-toggle').attr('aria-expanded', 'false').trigger('focus');
    };
    $('#search-toggle').on('click', function () {
      if (!$bar.prop('hidden')) { close(); return; }
      $bar.prop('hidden', false);
      $(this).attr('aria-expanded', 'true');
      $q.trigger('focus');
    });
    $q.on('input', function () {
      S.search.query = $q.val().trim();
      S.search.index = -1;
      refreshSearch();
    });
    $q.on('keydown', function (ev) {
      if (ev.key === 'Enter') { ev.preventDefault(); searchStep(ev.shiftKey ? 1 : -1); }
      if (ev.key === 'Escape') { ev.preventDefault(); close(); }
    });
    $('#search-prev').on('click', function () { searchStep(-1); });
    $('#search-next').on('click', function () { searchStep(1); });
    $('#search-close').on('click', close);
  }

  /* ---------------- export ---------------- */

  function downloadChat() {
    var lines = ['Room: ' + S.room, 'Exported: ' + new Date().toLocaleString(), ''];
    S.messages.forEach(function (m) {
      if (m.deleted) return;
      var d = P.secondsToDate(m.cAt);
      var extra = m.rM ? ' (quoting #' + m.rM + ')' : m.rU ? ' (to @' + userName(m.rU).name + ')' : '';
      lines.push('#' + m.id + ' [' + IC.formatDateTime(d) + '] ' + userName(m.uId).name + extra + ': ' + M.plainText(m));
    });
    var blob = new Blob([lines.join('\n') + '\n'], { type: 'text/plain;charset=utf-8' });
    var url = URL.createObjectURL(blob);
    var a = document.createElement('a');
    a.href = url;
    a.download = 'instantchat-' + S.room.replace(/[^\p{L}\p{N}_-]+/gu, '_') + '.txt';
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  /* ---------------- side panels (narrow screens) ---------------- */

  function closeSidePanels() {
    $('#room-body').removeClass('show-side');
    $('.side-toggle').attr('aria-expanded', 'false');
  }

  function bindSide() {
    $('.side-toggle').on('click', function () {
      var target = $(this).attr('data-panel');
      var open = $(this).attr('aria-expanded') === 'true';
      closeSidePanels();
      if (!open) {
        $('#room-body').addClass('show-side');
        $(this).attr('aria-expanded', 'true');
        var el = document.getElementById(target);
        if (el) { el.scrollIntoView({ block: 'start' }); $(el).find('h2').first().attr('tabindex', '-1').trigger('focus'); }
      }
    });
    $('#side-close').on('click', closeSidePanels);
  }

  /* ---------------- settings ---------------- */

  function bindSettings() {
    var s = IC.store.get('settings', {});
    S.settings = $.extend(S.settings, s && typeof s === 'object' ? s : {});
    var sync = function () {
      $('#set-sound').prop('checked', !!S.settings.sound);
      $('#set-notify').prop('checked', !!S.settings.notify);
      $('#set-notify-all').prop('checked', !!S.settings.notifyAll);
      $('#set-notices').prop('checked', !!S.settings.notices);
      $stream.toggleClass('hide-presence', !S.settings.notices);
    };
    sync();
    var save = function () { IC.store.set('settings', S.settings); sync(); };
    $('#set-sound').on('change', function () { S.settings.sound = this.checked; if (this.checked) beep(); save(); });
    $('#set-notify-all').on('change', function () { S.settings.notifyAll = this.checked; save(); });
    $('#set-notices').on('change', function () { S.settings.notices = this.checked; save(); });
    $('#set-notify').on('change', function () {
      var on = this.checked;
      S.settings.notify = on;
      save();
      if (on && global.Notification && Notification.permission === 'default') {
        Notification.requestPermission().then(function (p) {
          if (p !== 'granted') { S.settings.notify = false; save(); IC.toast('Notifications are blocked by the browser.'); }
        });
      } else if (on && (!global.Notification || Notification.permission === 'denied')) {
        S.settings.notify = false;
        save();
        IC.toast('Notifications are blocked by the browser.');
      }
    });
  }

  /* ---------------- wiring ---------------- */

  function bindStream() {
    $stream.on('click', '.act-reply', function () {
      startReply($(this).closest('.msg').attr('data-uid'));
    });
    $stream.on('click', '.act-quote', function () {
      startQuote(Number($(this).closest('.msg').attr('data-id')));
    });
    $stream.on('click', '.act-edit', function () {
      startEdit(Number($(this).closest('.msg').attr('data-id')));
    });
    $stream.on('click', '.act-delete', function () {
      var id = Number($(this).closest('.msg').attr('data-id'));
      var $btn = $(this);
      IC.confirm('Delete message #' + id + ' for everyone? This cannot be undone.', 'Delete').then(function (ok) {
        if (!ok) { $btn.trigger('focus'); return; }
        request(P.frame('TM_D', roomRef(), { m: { id: id } })).then(function () {
          $input.trigger('focus');
        }, function (e) { IC.toast(errorMessage(e)); });
      });
    });
    $stream.on('click', '.act-support, .act-reject', function () {
      var id = Number($(this).closest('.msg').attr('data-id'));
      var support = $(this).hasClass('act-support');
      request(P.frame('TM_S_R', roomRef(), { m: { id: id }, srM: support }))
        .then(null, function (e) { IC.toast(errorMessage(e)); });
    });
    $stream.on('click', '.msg-quote', function () { jumpTo(Number($(this).attr('data-target'))); });
    $stream.on('click', '.drawing-thumb', function () {
      var $img = $(this).find('img');
      var $d = $('#image-dialog');
      $d.find('img').attr({ src: $img.attr('src'), alt: $img.attr('alt') });
      $d.find('.image-title').text($img.attr('alt'));
      $d.find('.image-download').attr({ href: $img.attr('src'), download: $(this).siblings('.drawing-download').attr('download') });
      $d[0].showModal();
    });
    // Keep the newest message in view when the stream shrinks (header grows, keyboard opens,
    // composer gets taller) while the reader was at the bottom.
    S.stick = true;
    if (global.ResizeObserver) {
      new ResizeObserver(function () { if (S.stick) scrollToBottom(); }).observe($stream[0]);
    }
    $stream.on('scroll', function () {
      S.stick = atBottom();
      if (S.stick && S.newBelow) {
        S.newBelow = 0;
        $('#new-messages').prop('hidden', true);
      }
    });
    $('#new-messages').on('click', function () { scrollToBottom(); $input.trigger('focus'); });
    $('#picks-list').on('click', '.pick', function () {
      closeSidePanels();
      jumpTo(Number($(this).attr('data-target')));
    });
    $('#user-list').on('click', '.user-pick', function () {
      closeSidePanels();
      startReply($(this).closest('.user').attr('data-uid'));
    });
    $('#image-dialog').on('click', '.image-close', function () { $('#image-dialog')[0].close(); });
  }

  function bindHeader() {
    $('#copy-link').on('click', function () {
      IC.copyText(IC.roomUrl(S.room)).then(function () { IC.toast('Link copied to the clipboard.'); },
        function () { IC.toast('Copy failed — the link is ' + IC.roomUrl(S.room)); });
    });
    if (global.navigator.share) {
      $('#share-link').prop('hidden', false).on('click', function () {
        global.navigator.share({ title: roomTitle(), url: IC.roomUrl(S.room) }).catch(function () { /* dismissed */ });
      });
    }
    $('#leave-room').on('click', function () {
      S.conn.stop();
      global.location.href = '/';
    });
    $('#download-chat').on('click', downloadChat);
    $('#conn-banner .retry-now').on('click', function () { S.conn.retryNow(); });
    $('#version-banner .reload').on('click', function () { global.location.reload(); });
    $('#version-banner .dismiss').on('click', function () { $('#version-banner').prop('hidden', true); });
    $('#replaced-banner .use-here').on('click', useHere);
    $('#fatal-retry').on('click', function () {
      $('#fatal').prop('hidden', true);
      if (S.conn.isOpen()) sendJoin(); else S.conn.restart();
    });
    $('#gate-form').on('submit', function (ev) {
      ev.preventDefault();
      var pass = $('#gate-password').val();
      var nick = $('#gate-nick').val().trim();
      var problem = P.userNameProblem(nick);
      if (problem) { $('#gate-nick-error').text(problem).prop('hidden', false); return; }
      if (!pass) { $('#gate-error').text('Please enter the password.').prop('hidden', false); return; }
      S.password = pass;
      S.gateNick = nick;
      $('#gate-submit').prop('disabled', true).text('Joining…');
      if (S.conn.isOpen()) sendJoin(); else S.conn.restart();
    });
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'visible' && S.unread) {
        S.unread = 0;
        updateTitle();
      }
    });
    $(document).on('keydown', function (ev) {
      if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === 'f' && S.joined && !ev.shiftKey) {
        ev.preventDefault();
        $('#search-bar').prop('hidden', false);
        $('#search-toggle').attr('aria-expanded', 'true');
        $('#search-input').trigger('focus').trigger('select');
      }
      if (ev.key === 'Escape' && $('#room-body').hasClass('show-side')) closeSidePanels();
    });
  }

  function bindDrawing() {
    var pad = null;
    $('#open-drawing').on('click', function () {
      if (!pad) {
        pad = new IC.drawing.Pad(document.getElementById('drawing-dialog'), function (dataUrl) {
          if (!S.joined || !S.rId) return Promise.reject(new Error('Not connected — please wait for the connection and try again.'));
          var name = IC.drawing.newFileName();
          return IC.drawing.upload(name, S.rId, dataUrl).then(function () {
            var c = S.ctx.mode === 'new' ? S.ctx : { rU: null, rM: null };
            return request(P.textFrame('DM', roomRef(), 0, P.drawingText(name, S.rId), c.rU, c.rM));
          }).then(function () {
            if (S.ctx.mode === 'new') { S.ctx.rU = null; S.ctx.rM = null; renderContext(); }
          }, function (e) {
            throw (e instanceof Error ? e : new Error(errorMessage(e)));
          });
        });
      }
      pad.open();
    });
  }

  function bindEmoji() {
    var picker = new IC.EmojiPicker($('#emoji-picker'), function (emoji) {
      IC.insertAtCaret($input[0], emoji);
      picker.close();
    });
    picker.onClose = function () { $input.trigger('focus'); };
    $('#emoji-toggle').on('click', function () {
      if (picker.isOpen()) { picker.close(true); $(this).attr('aria-expanded', 'false'); return; }
      $(this).attr('aria-expanded', 'true');
      picker.open();
    });
    $(document).on('mousedown', function (ev) {
      if (picker.isOpen() && !$(ev.target).closest('#emoji-picker, #emoji-toggle').length) {
        picker.close();
        $('#emoji-toggle').attr('aria-expanded', 'false');
      }
    });
  }

  IC.room = {
    start: function (name) {
      S.room = name;
      $stream = $('#stream');
      $input = $('#composer-input');
      document.title = roomTitle();
      $('#room-view').prop('hidden', false);
      $('#room-title').text(name);
      $('#stream').append($('<div class="stream-empty"></div>').append($('<p></p>').text('Connecting…')));

      bindHeader();
      bindStream();
      bindComposer();
      bindRename();
      bindDescription();
      bindSearch();
      bindSide();
      bindSettings();
      bindDrawing();
      bindEmoji();

      S.conn = new IC.Connection(name, {
        onOpen: function () { sendJoin(); },
        onFrame: onFrame,
        onClose: function () {
          S.joined = false;
          S.joinRq = null;
          failPending();
        },
        onState: function (state) {
          if (state === 'open') return;
          showConnBanner(state);
          if (state === 'waiting' && !S.everJoined && S.conn.attempt >= 1) {
            $stream.find('.stream-empty p').first().text(S.conn.lastError || 'Cannot reach the chat server yet — retrying…');
          }
        }
      });
      S.conn.connect();
      $input.trigger('focus');
    },
    // Exposed for tests and debugging only.
    _state: S
  };
})(window);
