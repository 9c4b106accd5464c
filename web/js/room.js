/* Room page controller: the room's state, built from server frames, and the stream, header,
   people, picks and banners drawn from it. Single message cards are rendered by messages.js,
   the socket lives in connection.js, the composer in composer.js, search/export/settings in
   room-tools.js. */
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
    memberVersion: null, // pv 2: version of the list we hold (R_M_CH / R_M_D `mV`)
    awaitingMembers: false, // R_M_G sent after a gap: deltas wait for the full list
    typing: {}, // uId → timeout that hides "… is typing"
    lastTypingSent: 0,
    fullListRequests: 0,
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

  var $stream, $list, $input;
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
    return IC.mentions(IC.decode(msg.t), name);
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
    if (S.stick || atBottom()) return { bottom: true };
    var top = el.getBoundingClientRect().top;
    var found = null;
    $list.children('.msg').each(function () {
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

  // Me first, then online people, then the rest; alphabetical inside each group.
  function userBefore(a, b) {
    var ka = (a === S.me ? 0 : S.users[a].o ? 1 : 2);
    var kb = (b === S.me ? 0 : S.users[b].o ? 1 : 2);
    if (ka !== kb) return ka - kb;
    return userName(a).name.localeCompare(userName(b).name);
  }

  function renderUsers() {
    var $users = $('#user-list').empty();
    var ids = S.userOrder.filter(function (uId) { return uId !== P.NIL_UUID; });
    ids.sort(userBefore);
    ids.forEach(function (uId) { $users.append(userItem(uId)); });
  }

  function userItem(uId) {
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
    return $li;
  }

  /* ---------------- member deltas and typing (pv 2) ---------------- */

  // A full list (R_M_CH) sets the version; each delta (R_M_D) must be the next one. A skipped
  // version means a lost delta: ask for the full list and ignore deltas until it comes.
  function onMembers(f) {
    S.memberVersion = typeof f.mV === 'number' ? f.mV : null;
    S.awaitingMembers = false;
    applyUsers(f.rU);
  }

  function onMemberDelta(f) {
    var u = f.rU && f.rU[0];
    if (S.awaitingMembers || !u || typeof u.uId !== 'string' || typeof f.mV !== 'number') return;
    if (S.memberVersion !== null && f.mV <= S.memberVersion) return;
    if (S.memberVersion === null || f.mV !== S.memberVersion + 1) {
      S.awaitingMembers = true;
      S.fullListRequests += 1;
      request(P.frame('R_M_G', roomRef())).catch(function () { S.awaitingMembers = false; });
      return;
    }
    S.memberVersion = f.mV;
    var was = S.users[u.uId];
    var name = IC.decode(u.n);
    if (u.uId !== P.NIL_UUID) {
      if (!was) addNotice(name + (u.o ? ' joined' : ' was added'), 'presence');
      else {
        if (was.n !== u.n) addNotice(IC.decode(was.n) + ' is now known as ' + name, 'presence');
        if (!was.o && u.o) addNotice(name + ' is back online', 'presence');
        if (was.o && !u.o) addNotice(name + ' left', 'presence');
      }
    }
    S.users[u.uId] = u;
    if (!was) S.userOrder.push(u.uId);
    placeUser(u.uId);
    renderHeader();
    // Only a changed name shows in message cards; a join or leave leaves them alone.
    if (was && (was.n !== u.n || was.an !== u.an) && S.haveMessages) renderAll();
    if (u.uId === S.me) renderComposerIdentity();
  }

  // Puts one user's row where renderUsers() would, without touching the other rows.
  function placeUser(uId) {
    if (uId === P.NIL_UUID) return;
    var $users = $('#user-list');
    $users.children('li').filter(function () { return this.getAttribute('data-uid') === uId; }).remove();
    var $li = userItem(uId);
    var placed = false;
    $users.children('li').each(function () {
      if (userBefore(uId, this.getAttribute('data-uid')) < 0) { $li.insertBefore(this); placed = true; return false; }
      return undefined;
    });
    if (!placed) $users.append($li);
  }

  var TYPING_SHOWN_MS = 5000;

  function onTyping(uId) {
    if (typeof uId !== 'string' || uId === S.me || !S.users[uId]) return;
    if (S.typing[uId]) clearTimeout(S.typing[uId]);
    S.typing[uId] = setTimeout(function () { delete S.typing[uId]; renderTyping(); }, TYPING_SHOWN_MS);
    renderTyping();
  }

  function stopTyping(uId) {
    if (!S.typing[uId]) return;
    clearTimeout(S.typing[uId]);
    delete S.typing[uId];
    renderTyping();
  }

  function renderTyping() {
    var names = Object.keys(S.typing).map(function (uId) { return userName(uId).name; });
    var text = names.length === 0 ? ''
      : names.length === 1 ? names[0] + ' is typing…'
      : names.length === 2 ? names[0] + ' and ' + names[1] + ' are typing…'
      : names.length + ' people are typing…';
    $('#typing-line').text(text).prop('hidden', !text);
  }

  // Called while the user composes: at most one TY every 2 s (the server passes on one per 2.5 s).
  function sendTyping() {
    var now = Date.now();
    if (!S.joined || !S.conn || now - S.lastTypingSent < 2000) return;
    S.lastTypingSent = now;
    var f = P.frame('TY', roomRef());
    delete f.rq; // never answered
    S.conn.send(f);
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
    $list.empty();
    var prev = null;
    var noticeIdx = 0;
    var notices = S.notices;
    var flushNotices = function (uptoId) {
      while (noticeIdx < notices.length && notices[noticeIdx].afterId <= uptoId) {
        $list.append(noticeEl(notices[noticeIdx]));
        noticeIdx += 1;
      }
    };
    S.messages.forEach(function (msg) {
      flushNotices(msg.id - 1);
      if (!prev || M.dayKey(prev) !== M.dayKey(msg)) $list.append(M.daySeparator(msg));
      $list.append(M.render(msg, prev, ctx()));
      prev = msg;
    });
    flushNotices(Infinity);
    if (!S.messages.length && S.haveMessages) {
      $list.append($('<div class="stream-empty"></div>')
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
    var wasAtBottom = S.stick || atBottom();
    var prev = S.messages.length ? S.messages[S.messages.length - 1] : null;
    S.messages.push(msg);
    S.byId[msg.id] = msg;
    if (prev && prev.id > msg.id) { sortMessages(); renderAll(); return; }
    $list.children('.stream-empty').remove();
    if (!prev || M.dayKey(prev) !== M.dayKey(msg)) $list.append(M.daySeparator(msg));
    $list.append(M.render(msg, prev, ctx()));
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
    var wasAtBottom = S.stick || atBottom();
    $list.children('.stream-empty').remove();
    $list.append(noticeEl(n));
    if (wasAtBottom) scrollToBottom();
  }

  /* ---------------- picks ---------------- */

  function renderPicks() {
    var picks = S.messages.filter(function (m) { return !m.deleted && (m.sC > 0 || m.rC > 0); });
    picks.sort(function (a, b) { return (b.sC - a.sC) || (a.rC - b.rC) || (a.id - b.id); });
    var $picks = $('#picks-list').empty();
    $('#picks-empty').prop('hidden', picks.length > 0);
    $('#picks-toggle .count').text(picks.length);
    picks.forEach(function (m) {
      var $b = $('<button type="button" class="pick"></button>').attr('data-target', m.id);
      $b.append($('<span class="pick-ref"></span>').text('#' + m.id));
      $b.append($('<span class="pick-text"></span>').text(userName(m.uId).name + ': ' + M.snippet(M.plainText(m), 60)));
      $b.append($('<span class="pick-votes"></span>').text('support ' + m.sC + ' · reject ' + m.rC));
      $picks.append($('<li></li>').append($b));
    });
  }

  function jumpTo(id) {
    var card = document.getElementById('msg-' + id);
    if (!card) { IC.toast('That message is not available any more.'); return; }
    S.stick = false;
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
      case 'R_M_CH': onMembers(f); break;
      case 'R_M_D': onMemberDelta(f); break;
      case 'TY': onTyping(f.uId); break;
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
      case 'DM':
        (f.m || []).forEach(function (m) { if (m && m.uId) stopTyping(m.uId); appendMessage(m); });
        break;
      case 'TM_E': (f.m || []).forEach(onEdited); break;
      case 'TM_D': (f.m || []).forEach(onDeleted); break;
      case 'TM_S_R': (f.m || []).forEach(onVoted); break;
      case 'N_M_LIMIT_A':
        // Sent at several fill levels: each says how full the room is, so they are not repeats.
        addNotice('This room holds ' + S.messages.length + ' of its 1000 messages; the oldest ones will be removed as new ones arrive.', 'limit');
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
    // Rendering walks notices in afterId order: this one goes first, above the oldest message kept.
    S.notices.unshift({ afterId: lowest - 1, text: 'Older messages (before #' + lowest + ') were removed: a room keeps only its newest 1000 messages.', kind: 'limit' });
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
    // An oversized frame cannot be parsed, so its ER carries no rq: it belongs to the
    // composer's pending send, the only request that can be that large.
    var rq = f.rq || (!f.rq && S.sendingRq && S.pending[S.sendingRq] ? S.sendingRq : null);
    var p = rq ? S.pending[rq] : null;
    if (p) { delete S.pending[rq]; p.reject({ code: code }); return; }
    if (!f.rq && code !== '202') { IC.toast(P.errorText(code)); return; }
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
    if (S.rId && f.rId && f.rId !== S.rId) {
      // Same name, new room UUID: the server lost the room (restart) and it was created again.
      addNotice('The room was restarted on the server: earlier messages are gone.', 'limit');
    }
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

  /* ---------------- other room modules ---------------- */

  // composer.js and room-tools.js work on the same state; these are the calls into them.
  function composer() { return IC.roomComposer; }
  function tools() { return IC.roomTools; }
  function cancelContext() { composer().cancelContext(); }
  function sendComposer() { composer().send(); }
  function startReply(uId) { composer().startReply(uId); }
  function startQuote(id) { composer().startQuote(id); }
  function startEdit(id) { composer().startEdit(id); }
  function refreshSearch() { tools().refreshSearch(); }
  function closeSidePanels() { tools().closeSidePanels(); }

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
    // Drawings load after their card is placed and make it taller.
    $stream[0].addEventListener('load', function () { if (S.stick) scrollToBottom(); }, true);
    if (global.ResizeObserver) {
      var ro = new ResizeObserver(function () { if (S.stick) scrollToBottom(); });
      // The scroller shrinking (header, keyboard) and the content growing (late fonts, images).
      ro.observe($stream[0]);
      ro.observe($list[0]);
    }
    // Only the reader leaves the bottom: scroll events caused by re-rendering or late layout
    // must not unstick the view, so "away from the bottom" needs a recent user gesture.
    var lastGesture = 0;
    $stream.on('wheel touchmove mousedown keydown', function () { lastGesture = Date.now(); });
    $stream.on('scroll', function () {
      if (atBottom()) S.stick = true;
      else if (Date.now() - lastGesture < 1500) S.stick = false;
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

  IC.room = {
    start: function (name) {
      S.room = name;
      $stream = $('#stream');
      $list = $('#stream-list');
      $input = $('#composer-input');
      document.title = roomTitle();
      $('#room-view').prop('hidden', false);
      $('#room-title').text(name);
      $list.append($('<div class="stream-empty"></div>').append($('<p></p>').text('Connecting…')));

      var kit = {
        S: S, $stream: $stream, $list: $list, $input: $input,
        userName: userName, myName: myName, request: request, roomRef: roomRef,
        errorMessage: errorMessage, renderDescription: renderDescription, beep: beep,
        closeSidePanels: closeSidePanels, showConnBanner: showConnBanner
      };
      bindHeader();
      bindStream();
      composer().bind(kit);
      $input.on('input', function () { if ($input.val()) sendTyping(); });
      tools().bind(kit);

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
            $list.find('.stream-empty p').first().text(S.conn.lastError || 'Cannot reach the chat server yet — retrying…');
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
