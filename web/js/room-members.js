/* Room members pane: the people list built from full lists (R_M_CH) and, for pv 2, deltas
   (R_M_D); presence notices; "… is typing". Shares the room state with room.js via bind(). */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});
  var P = IC.protocol;
  var K, S;

  function list() { return IC.roomList; }

  function presenceNotices(was, u) {
    var name = IC.decode(u.n);
    if (!was) {
      list().addNotice(name + (u.o ? ' joined' : ' was added'), 'presence');
      return;
    }
    if (was.n !== u.n) list().addNotice(IC.decode(was.n) + ' is now known as ' + name, 'presence');
    if (!was.o && u.o) list().addNotice(name + ' is back online', 'presence');
    if (was.o && !u.o) list().addNotice(name + ' left', 'presence');
  }

  // Which users' names (or anonymity) differ between two lists: only their cards change.
  function renamedUsers(old, next, order) {
    return order.filter(function (uId) {
      return old[uId] && (old[uId].n !== next[uId].n || old[uId].an !== next[uId].an);
    });
  }

  function applyUsers(users) {
    var old = S.users;
    var next = {};
    var order = [];
    (users || []).forEach(function (u) {
      if (!u || typeof u.uId !== 'string') return;
      next[u.uId] = u;
      order.push(u.uId);
    });
    if (S.haveUsers) {
      order.forEach(function (uId) {
        if (uId !== P.NIL_UUID) presenceNotices(old[uId], next[uId]);
      });
    }
    var renamed = S.haveUsers ? renamedUsers(old, next, order) : null;
    S.users = next;
    S.userOrder = order;
    S.haveUsers = true;
    renderUsers();
    IC.roomHeader.render();
    if (S.haveMessages) {
      if (renamed === null) list().renderAll();
      else if (renamed.length) list().rerenderAuthors(renamed);
    }
    IC.roomComposer.renderIdentity();
  }

  // One collator for every comparison: String.localeCompare builds one per call, which made
  // sorting a few hundred members cost more than drawing them.
  // Made on first use: creating it loads collation data, which need not delay the page start.
  // Until the room is first drawn (S.intlReady, room.js) a plain comparison stands in: the
  // list is sorted again with the collator then.
  var collator = null;
  function compareNames(a, b) {
    if (!collator && !S.intlReady) {
      var la = a.toLowerCase();
      var lb = b.toLowerCase();
      return la < lb ? -1 : la > lb ? 1 : 0;
    }
    if (!collator) collator = new Intl.Collator();
    return collator.compare(a, b);
  }

  // Me first, then online people, then the rest; alphabetical inside each group.
  function userBefore(a, b) {
    var ka = (a === S.me ? 0 : S.users[a].o ? 1 : 2);
    var kb = (b === S.me ? 0 : S.users[b].o ? 1 : 2);
    if (ka !== kb) return ka - kb;
    return compareNames(K.userName(a).name, K.userName(b).name);
  }

  function renderUsers() {
    var $users = $('#user-list').empty();
    var ids = S.userOrder.filter(function (uId) { return uId !== P.NIL_UUID; });
    ids.sort(userBefore);
    ids.forEach(function (uId) { $users.append(userItem(uId)); });
  }

  function userItem(uId) {
    var u = S.users[uId];
    var info = K.userName(uId);
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

  /* ---------------- member deltas (pv 2) ---------------- */

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
      K.request(P.frame('R_M_G', K.roomRef())).catch(function () { S.awaitingMembers = false; });
      return;
    }
    S.memberVersion = f.mV;
    var was = S.users[u.uId];
    if (u.uId !== P.NIL_UUID) presenceNotices(was, u);
    S.users[u.uId] = u;
    if (!was) S.userOrder.push(u.uId);
    placeUser(u.uId);
    IC.roomHeader.render();
    // Only a changed name shows in message cards, and only in that user's cards.
    if (was && (was.n !== u.n || was.an !== u.an) && S.haveMessages) list().rerenderAuthors([u.uId]);
    if (u.uId === S.me) IC.roomComposer.renderIdentity();
  }

  // Puts one user's row where renderUsers() would, without touching the other rows.
  function placeUser(uId) {
    if (uId === P.NIL_UUID) return;
    var ul = document.getElementById('user-list');
    var rows = ul.children;
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute('data-uid') === uId) { ul.removeChild(rows[i]); break; }
    }
    var li = userItem(uId)[0];
    // Rows are sorted: binary search for the first row that goes after this one.
    var lo = 0;
    var hi = rows.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (userBefore(rows[mid].getAttribute('data-uid'), uId) < 0) lo = mid + 1; else hi = mid;
    }
    ul.insertBefore(li, rows[lo] || null);
  }

  /* ---------------- typing (pv 2) ---------------- */

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
    var names = Object.keys(S.typing).map(function (uId) { return K.userName(uId).name; });
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
    var f = P.frame('TY', K.roomRef());
    delete f.rq; // never answered
    S.conn.send(f);
  }

  function bind(kit) {
    K = kit;
    S = kit.S;
    $('#user-list').on('click', '.user-pick', function () {
      IC.roomTools.closeSidePanels();
      IC.roomComposer.startReply($(this).closest('.user').attr('data-uid'));
    });
    K.$input.on('input', function () { if (K.$input.val()) sendTyping(); });
  }

  IC.roomMembers = {
    bind: bind,
    onMembers: onMembers,
    onMemberDelta: onMemberDelta,
    render: renderUsers,
    onTyping: onTyping,
    stopTyping: stopTyping
  };
})(window);
