/* Room page controller: the room's state, the socket's frames dispatched to the parts of the
   page, joining (password gate, errors, another tab) and notifications. The parts:
   room-header.js (header and banners), room-list.js (message list and picks), composer.js,
   room-search.js (search bar), room-members.js (members pane and typing), room-tools.js
   (export, side panels, settings). Single message cards are rendered by messages.js, the
   socket lives in connection.js. */
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
    voters: {}, // message id → {s, r}: who voted (pv 2, docs/protocol.md §7.3)
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
    keptName: '', // the name to come back with after a reconnect (never a fresh random one)
    keptPassword: '', // the password typed on this page, to prefill re-creating the room
    roomGone: false, // a rejoin found no room: nothing is re-created until the user says so
    recreating: false,
    search: { matches: [], index: -1 },
    settings: { sound: false, notify: false, notifyAll: false, notices: true }
  };

  function header() { return IC.roomHeader; }
  function list() { return IC.roomList; }
  function members() { return IC.roomMembers; }
  function composer() { return IC.roomComposer; }

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
    myVote: function (id) { return list().myVote(id); },
    voters: function (id) { return S.voters[id]; },
    drawing: function (ref, $holder, msg) { IC.drawing.fill(ref, $holder, msg); }
  };

  function ctx() {
    renderCtx.me = S.me;
    renderCtx.creator = S.creator;
    return renderCtx;
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
      header().updateTitle();
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
        n.onclick = function () { global.focus(); list().jumpTo(msg.id); n.close(); };
      } catch (e) { /* some platforms only allow notifications from a service worker */ }
    }
  }

  /* ---------------- server frames ---------------- */

  function onFrame(f) {
    if (f.bN) header().checkVersion(f.bN);
    switch (f.c) {
      case 'R_M_CH': members().onMembers(f); break;
      case 'R_M_D': members().onMemberDelta(f); break;
      case 'TY': members().onTyping(f.uId); break;
      case 'ALL_TM': list().onAllMessages(f.m || [], f.vU); break;
      case 'R_CH_D':
        if (f.rCuId) S.creator = f.rCuId;
        var description = IC.decode(f.m && f.m[0] ? f.m[0].t : '');
        // Status frames repeat the description: only a different one is news.
        if (S.descriptionKnown && S.joined && description !== S.description) {
          list().addNotice(description ? userName(S.creator).name + ' changed the room description' : userName(S.creator).name + ' removed the room description', 'info');
        }
        S.description = description;
        S.descriptionKnown = true;
        header().applyStatus(f.sS);
        header().render();
        members().render();
        break;
      case 'TM':
      case 'DM':
        (f.m || []).forEach(function (m) { if (m && m.uId) members().stopTyping(m.uId); list().appendMessage(m); });
        break;
      case 'TM_E': (f.m || []).forEach(list().onEdited); break;
      case 'TM_D': (f.m || []).forEach(list().onDeleted); break;
      case 'TM_S_R':
        list().noteVoters(f.vU);
        (f.m || []).forEach(list().onVoted);
        break;
      case 'N_M_LIMIT_A':
        // Sent at several fill levels: each says how full the room is, so they are not repeats.
        list().addNotice('This room holds ' + S.messages.length + ' of its 1000 messages; the oldest ones will be removed as new ones arrive.', 'limit');
        break;
      case 'N_M_LIMIT_R': list().onDropped(f); break;
      case 'RP': onReply(f); break;
      case 'ER': onError(f); break;
      default: break;
    }
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

  // The first join may create the room. Every later one (a reconnect) is join-only with the
  // name we had, so a room the server lost is never re-created without asking; re-creating
  // (the user's answer to the "room gone" notice) sends the name and any password typed.
  function sendJoin() {
    if (S.roomGone && !S.recreating) return;
    var rejoin = S.everJoined && !S.recreating;
    var create = !S.everJoined || S.recreating;
    var name = S.everJoined ? (myName() || S.keptName) : S.gateNick;
    var frame = P.joinFrame(create ? 'R_C_J' : 'R_J', roomRef(), name);
    S.joinRq = frame.rq;
    S.joinIsRejoin = rejoin;
    S.conn.send(frame);
  }

  function showRoomGone() {
    S.roomGone = true;
    S.recreating = false;
    S.password = '';
    $('#gone-password-field').prop('hidden', !S.hasPassword);
    $('#gone-password').val(S.keptPassword);
    $('#gone-error').text('').prop('hidden', true);
    $('#gone-create').prop('disabled', false);
    $('#gone-banner').prop('hidden', false);
    header().showConnBanner('joined');
  }

  function recreateRoom() {
    var pass = S.hasPassword ? $('#gone-password').val() : '';
    if (S.hasPassword && !pass) {
      $('#gone-error').text('This room had a password: enter one for the new room.').prop('hidden', false);
      $('#gone-password').trigger('focus');
      return;
    }
    S.password = pass;
    S.keptPassword = pass;
    S.recreating = true;
    $('#gone-error').prop('hidden', true);
    $('#gone-create').prop('disabled', true);
    if (S.conn.isOpen()) sendJoin(); else S.conn.restart();
  }

  function onJoined(f) {
    var firstJoin = !S.everJoined;
    var sameRoom = !S.rId || !f.rId || f.rId === S.rId;
    S.joinRq = null;
    S.joined = true;
    S.everJoined = true;
    if (S.password) S.keptPassword = S.password;
    S.password = '';
    S.gateNick = '';
    S.roomGone = false;
    S.recreating = false;
    $('#gone-banner').prop('hidden', true);
    if (S.rId && f.rId && f.rId !== S.rId) {
      // Same name, new room UUID: the room was created again after the server lost it.
      list().addNotice('The room was created again: earlier messages are gone from the server.', 'limit');
    }
    S.rId = f.rId || S.rId;
    S.me = f.uId || S.me;
    if (f.cAt) S.createdAt = P.nanosToDate(f.cAt);
    S.hasPassword = /password=true/.test(f.pd || '');
    S.keptName = myName() || S.keptName;
    $('#password-gate').prop('hidden', true);
    $('#fatal').prop('hidden', true);
    $('#room-main').prop('hidden', false);
    header().showConnBanner('joined');
    IC.recent.add(S.room);
    header().render();
    members().render();
    composer().renderIdentity();
    if (firstJoin) list().prepareUnread(list().lastSeenId(), false);
    else if (sameRoom) list().prepareUnread(S.lastIdAtDrop, true);
    list().renderAll();
    if (firstJoin) warmIntl();
    if (S.queued) {
      S.queued = false;
      composer().send();
    }
  }

  // The first collator and date formatter each load ICU data (10-60 ms): the first draw of the
  // room goes without them (members sorted by a simple comparison, no creation date in the
  // header) and they are made once the page is idle.
  function warmIntl() {
    var warm = function () {
      S.intlReady = true;
      members().render();
      header().render();
    };
    if (global.requestIdleCallback) global.requestIdleCallback(warm, { timeout: 2000 });
    else setTimeout(warm, 0);
  }

  function onJoinFailed(code) {
    var rejoin = S.joinIsRejoin;
    S.joinRq = null;
    if (code === '202' && rejoin) { showRoomGone(); return; }
    if (S.recreating) {
      S.recreating = false;
      $('#gone-create').prop('disabled', false);
      $('#gone-error').text(P.errorText(code)).prop('hidden', false);
      return;
    }
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
    header().showConnBanner('replaced');
    $('#replaced-banner').prop('hidden', false);
    $('#composer-submit').prop('disabled', true);
  }

  function useHere() {
    S.replaced = false;
    $('#replaced-banner').prop('hidden', true);
    $('#composer-submit').prop('disabled', false);
    S.conn.restart();
  }

  function bindJoining() {
    $('#gone-form, #gone-banner').on('submit', function (ev) { ev.preventDefault(); recreateRoom(); });
    $('#gone-save').on('click', function () { IC.roomTools.downloadChat(); });
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
      S.keptPassword = pass;
      S.gateNick = nick;
      $('#gate-submit').prop('disabled', true).text('Joining…');
      if (S.conn.isOpen()) sendJoin(); else S.conn.restart();
    });
  }

  // The search bar's code (room-search.js) comes with the first opening of the search (its
  // button or Ctrl+F); then it binds its own handlers and these stand down.
  function bindSearch(kit) {
    var loading = null;
    var load = function () {
      if (!loading) {
        $('#search-toggle').off('click.lazy');
        $(document).off('keydown.lazySearch');
        loading = IC.loadScript('room-search').then(function () {
          IC.roomSearch.bind(kit);
          IC.roomSearch.open();
        }, function (e) {
          loading = null;
          bindSearch(kit);
          IC.toast(e.message);
        });
      }
    };
    $('#search-toggle').on('click.lazy', load);
    $(document).on('keydown.lazySearch', function (ev) {
      if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === 'f' && S.joined && !ev.shiftKey) {
        ev.preventDefault();
        load();
      }
    });
  }

  IC.room = {
    start: function (name) {
      S.room = name;
      var $input = $('#composer-input');
      $('#room-view').prop('hidden', false);

      // What the parts share: the state and the calls that belong to no single part.
      var kit = {
        S: S, $stream: $('#stream'), $list: $('#stream-list'), $input: $input,
        userName: userName, myName: myName, request: request, roomRef: roomRef,
        errorMessage: errorMessage, renderCtx: ctx, awareness: awareness, beep: beep,
        renderDescription: function () { header().renderDescription(); },
        closeSidePanels: function () { IC.roomTools.closeSidePanels(); },
        showConnBanner: function (state) { header().showConnBanner(state); }
      };
      header().bind(kit);
      // Placement and the socket go first: the other parts are bound while the network works
      // (no frame can be handled before this function returns).
      S.conn = new IC.Connection(name, {
        onOpen: function () { sendJoin(); },
        onFrame: onFrame,
        onClose: function () {
          // What was shown when the socket dropped: later ones are "new" after the rejoin.
          if (S.joined && S.messages.length) S.lastIdAtDrop = S.messages[S.messages.length - 1].id;
          S.joined = false;
          S.joinRq = null;
          failPending();
        },
        onState: function (state) {
          if (state === 'open') return;
          header().showConnBanner(state);
          if (state === 'waiting' && !S.everJoined && S.conn.attempt >= 1) {
            kit.$list.find('.stream-empty p').first().text(S.conn.lastError || 'Cannot reach the chat server yet — retrying…');
          }
        }
      });
      S.conn.connect();
      list().bind(kit);
      members().bind(kit);
      composer().bind(kit);
      bindSearch(kit);
      IC.roomTools.bind(kit);
      bindJoining();
      $input.trigger('focus');
    },
    // Exposed for tests and debugging only.
    _state: S
  };
})(window);
