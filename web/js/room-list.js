/* Room message list: the stream of cards, day separators and notices, kept in place while
   messages arrive, change or are dropped; the picks panel drawn from the same messages; jumps.
   Single cards are rendered by messages.js. Shares the room state with room.js via bind(). */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});
  var P = IC.protocol;
  var M = IC.messages;
  var K, S, $stream, $list;

  function composer() { return IC.roomComposer; }
  // Nothing to mark before the search was first opened (room-search.js not loaded yet).
  function refreshSearch() { if (IC.roomSearch) IC.roomSearch.refresh(); }

  function atBottom() {
    var el = $stream[0];
    return el.scrollHeight - el.scrollTop - el.clientHeight < 48;
  }

  // Notices while the reader is at the bottom: scroll once, at the next frame, instead of
  // forcing a layout inside every frame handler.
  var scrollSoon = 0;
  function scrollToBottomSoon() {
    if (scrollSoon) return;
    scrollSoon = global.requestAnimationFrame(function () { scrollSoon = 0; if (S.stick) scrollToBottom(); });
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
    $list.find('.msg').each(function () {
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
    var apply = function () {
      el.scrollTop += card.getBoundingClientRect().top - el.getBoundingClientRect().top - anchor.offset;
    };
    apply();
    // Cards drawn anew above it have estimated heights (content-visibility) until they are laid
    // out for real, which takes a few frames (seen: the list 160 px shorter a frame after the
    // first put-back). Put the card back each frame until the height has held for 5 frames (at
    // most 30), and stop at once if the reader scrolls meanwhile.
    var gen = renderGen;
    var frames = 0;
    var steady = 0;
    var height = el.scrollHeight;
    var setTop = el.scrollTop;
    var settle = function () {
      if (gen !== renderGen || !card.isConnected || S.stick || el.scrollTop !== setTop) return;
      apply();
      setTop = el.scrollTop;
      steady = el.scrollHeight === height ? steady + 1 : 0;
      height = el.scrollHeight;
      if (steady < 5 && ++frames < 30) global.requestAnimationFrame(settle);
    };
    global.requestAnimationFrame(settle);
  }

  function sortMessages() {
    S.messages.sort(function (a, b) { return a.id - b.id; });
  }

  function noticeEl(n) {
    return M.notice(n.text, n.kind);
  }

  // A cold room of 1,000 messages: the newest screenful is drawn at once, the older cards in
  // slices while the page is idle (each inserted above the others, the view held in place by
  // scroll anchoring), so the room is readable and usable long before the last card exists.
  // A slice stops when the idle period ends, so typing or scrolling meanwhile never waits
  // behind a long task.
  var FIRST_CARDS = 40;
  var MIN_SLICE = 8;
  var MAX_SLICE = 120;
  var pendingHead = null; // { end: index below which cards are not drawn yet, gen }
  var renderGen = 0;

  // Cards, day separators, notices and the unread divider for S.messages[from, to), in order.
  // A notice goes before the first message newer than the one it followed (afterId).
  function buildRange(from, to, rctx) {
    var frag = document.createDocumentFragment();
    var notices = S.notices;
    var firstUnread = S.unreadMark && S.unreadMark.firstId;
    var lowest = from > 0 ? S.messages[from - 1].id : -Infinity;
    var ni = 0;
    while (ni < notices.length && notices[ni].afterId < lowest) ni += 1;
    var prev = from > 0 ? S.messages[from - 1] : null;
    for (var i = from; i < to; i++) {
      var msg = S.messages[i];
      while (ni < notices.length && notices[ni].afterId < msg.id) {
        frag.appendChild(noticeEl(notices[ni])[0]);
        ni += 1;
      }
      if (msg.id === firstUnread) frag.appendChild(unreadDivider());
      if (!prev || M.dayKey(prev) !== M.dayKey(msg)) frag.appendChild(M.daySeparator(msg)[0]);
      frag.appendChild(M.render(msg, prev, rctx)[0]);
      prev = msg;
    }
    if (to === S.messages.length) {
      for (; ni < notices.length; ni++) frag.appendChild(noticeEl(notices[ni])[0]);
    }
    return frag;
  }

  // `deadline`: the idle period (requestIdleCallback) to stay within; none draws MAX_SLICE.
  function drawHeadChunk(deadline) {
    if (!pendingHead) return;
    var end = pendingHead.end;
    var count = MAX_SLICE;
    if (deadline && deadline.timeRemaining) {
      // Up to about 0.5 ms a card with its layout on a busy machine of this class; a few at least.
      count = Math.max(MIN_SLICE, Math.min(MAX_SLICE, Math.floor(deadline.timeRemaining() / 0.5)));
    }
    var from = Math.max(0, end - count);
    // Each slice sits in its own box that is skipped while off-screen: later layouts (a join
    // notice, a new message) deal with boxes, not with a thousand cards.
    var box = document.createElement('div');
    box.className = 'stream-chunk';
    box.style.containIntrinsicSize = 'auto ' + (end - from) * 80 + 'px';
    box.appendChild(buildRange(from, end, K.renderCtx()));
    $list[0].insertBefore(box, $list[0].firstChild);
    pendingHead.end = from;
    if (from > 0) { scheduleHead(); return; }
    pendingHead = null;
    if (S.stick) scrollToBottom();
    if (S.search.query) refreshSearch();
  }

  function scheduleHead() {
    var gen = renderGen;
    var run = function (deadline) { if (gen === renderGen) drawHeadChunk(deadline); };
    if (global.requestIdleCallback) global.requestIdleCallback(run, { timeout: 100 });
    else setTimeout(run, 0);
  }

  // Draw whatever is still pending now (a jump or a search needs every card).
  function finishRendering() {
    while (pendingHead) drawHeadChunk();
  }

  function renderAll() {
    var anchor = captureAnchor();
    renderGen += 1;
    pendingHead = null;
    // Cards carry no jQuery data or handlers (the list delegates), so no per-node cleanup.
    $list[0].replaceChildren();
    // Only a reader at the bottom gets the newest cards first; one looking at an older card
    // (a reconnect) gets the whole list at once so that card is there to return to.
    var n = S.messages.length;
    var split = anchor.bottom && n > FIRST_CARDS + MAX_SLICE ? n - FIRST_CARDS : 0;
    // Built off-document and inserted once: one style and layout pass.
    $list[0].appendChild(buildRange(split, n, K.renderCtx()));
    if (split > 0) {
      pendingHead = { end: split };
      scheduleHead();
    }
    if (!S.messages.length && S.haveMessages) {
      $list.append($('<div class="stream-empty"></div>')
        .append($('<p class="stream-empty-title"></p>').text('No messages yet'))
        .append($('<p></p>').text('Say hello, or share the link so others can join.')));
    }
    restoreAnchor(anchor);
    renderPicks();
    refreshSearch();
    markSeen();
  }

  function removeEmptyState() {
    var first = $list[0].firstElementChild;
    if (first && first.classList.contains('stream-empty')) first.remove();
  }

  function rerenderCard(id) {
    var msg = S.byId[id];
    var $old = $('#msg-' + id);
    if (!msg || !$old.length) return;
    var idx = S.messages.indexOf(msg);
    $old.replaceWith(M.render(msg, idx > 0 ? S.messages[idx - 1] : null, K.renderCtx()));
  }

  // Cards that quote a message show its snippet; they change when it is edited or deleted.
  function rerenderQuotesOf(id) {
    S.messages.forEach(function (m) {
      if (m.rM === id) rerenderCard(m.id);
    });
  }

  // A rename shows in the renamed people's cards, in replies to them and in quotes of their
  // messages; every other card stays the same DOM node.
  function rerenderAuthors(uIds) {
    var who = {};
    uIds.forEach(function (uId) { who[uId] = true; });
    S.messages.forEach(function (m) {
      var quoted = m.rM !== undefined ? S.byId[m.rM] : null;
      if (who[m.uId] || (m.rU && who[m.rU]) || (quoted && who[quoted.uId])) rerenderCard(m.id);
    });
    renderPicks();
    if (S.search.query) refreshSearch();
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
    removeEmptyState();
    if (!prev || M.dayKey(prev) !== M.dayKey(msg)) $list.append(M.daySeparator(msg));
    $list.append(M.render(msg, prev, K.renderCtx()));
    var mine = msg.uId === S.me;
    if (mine || wasAtBottom) {
      scrollToBottom();
    } else {
      S.newBelow += 1;
      $('#new-messages').prop('hidden', false)
        .find('.label').text(S.newBelow === 1 ? '1 new message' : S.newBelow + ' new messages');
    }
    if (!mine) K.awareness(msg);
    if (S.search.query) refreshSearch();
    markSeen();
  }

  function addNotice(text, kind) {
    var lastId = S.messages.length ? S.messages[S.messages.length - 1].id : 0;
    var n = { afterId: lastId, text: text, kind: kind };
    S.notices.push(n);
    if (S.notices.length > 300) S.notices.shift();
    if (!S.stick && atBottom()) S.stick = true;
    removeEmptyState();
    $list.append(noticeEl(n));
    if (S.stick) scrollToBottomSoon();
  }

  /* ---------------- server updates ---------------- */

  // Who voted (pv 2 frames, docs/protocol.md §7.3): kept per message id for the vote buttons'
  // tooltips. Entries of a frame replace what was known of those messages.
  function noteVoters(list) {
    if (!Array.isArray(list)) return;
    list.forEach(function (v) {
      if (!v || typeof v.id !== 'number') return;
      S.voters[v.id] = {
        s: Array.isArray(v.s) ? v.s.filter(function (x) { return typeof x === 'string'; }) : [],
        r: Array.isArray(v.r) ? v.r.filter(function (x) { return typeof x === 'string'; }) : []
      };
    });
  }

  function onAllMessages(messages, voters) {
    var known = S.byId;
    S.messages = [];
    S.byId = {};
    S.voters = {};
    noteVoters(voters);
    messages.forEach(function (raw) {
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
    // During a join the list is drawn once, when the join is confirmed (and we know who we are).
    if (!S.joinRq) renderAll();
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
    if (S.ctx.mode === 'edit' && S.ctx.editId === msg.id) composer().cancelContext();
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
      if (m.id < lowest) { delete S.byId[m.id]; delete S.voters[m.id]; return false; }
      return true;
    });
    S.notices = S.notices.filter(function (n) { return n.afterId >= lowest - 1; });
    // Rendering walks notices in afterId order: this one goes first, above the oldest message kept.
    S.notices.unshift({ afterId: lowest - 1, text: 'Older messages (before #' + lowest + ') were removed: a room keeps only its newest 1000 messages.', kind: 'limit' });
    renderAll();
  }

  /* ---------------- unread since the last visit / while disconnected ---------------- */

  function seenKey() { return 'seen.' + S.rId; }

  // The newest message this browser has shown in a visible page, per room instance.
  function markSeen() {
    if (!S.rId || !S.messages.length || document.visibilityState !== 'visible') return;
    var last = S.messages[S.messages.length - 1].id;
    if (last > IC.store.get(seenKey(), 0)) IC.store.set(seenKey(), last);
  }

  function unreadDivider() {
    var d = document.createElement('div');
    d.className = 'unread-divider';
    d.id = 'unread-divider';
    d.setAttribute('role', 'separator');
    d.textContent = S.unreadMark.text;
    return d;
  }

  // Called when a join is confirmed, before the list is drawn: which messages are new to this
  // reader — since the last visit (first join), or since the socket dropped (a rejoin).
  function prepareUnread(afterId, sinceDrop) {
    S.unreadMark = null;
    $('#unread-bar').prop('hidden', true);
    if (!(afterId > 0)) return;
    var fresh = S.messages.filter(function (m) { return m.id > afterId && m.uId !== S.me && !m.deleted; });
    if (!fresh.length) return;
    var n = fresh.length;
    S.unreadMark = {
      firstId: fresh[0].id,
      text: sinceDrop ? 'New since the connection dropped' : 'Unread since your last visit'
    };
    $('#unread-bar').prop('hidden', false).find('.label')
      .text((n === 1 ? '1 new message' : n + ' new messages') + (sinceDrop ? ' while you were disconnected' : ' since your last visit'));
  }

  function lastSeenId() { return S.rId ? IC.store.get(seenKey(), 0) : 0; }

  /* ---------------- own votes ---------------- */

  // The server counts votes but does not say whose they are, so this browser remembers its
  // own, per room instance (a re-created room starts with none).
  var MAX_REMEMBERED_VOTES = 1000;

  function votesKey() { return 'votes.' + S.rId; }

  function myVotes() {
    if (!S.myVotes || S.myVotesKey !== votesKey()) {
      var stored = S.rId ? IC.store.get(votesKey(), {}) : {};
      S.myVotes = stored && typeof stored === 'object' ? stored : {};
      S.myVotesKey = votesKey();
    }
    return S.myVotes;
  }

  function myVote(id) {
    var v = myVotes()[id];
    return v === 'support' || v === 'reject' ? v : '';
  }

  // The same vote again withdraws it, the other one moves it (as the server does).
  function noteMyVote(id, vote) {
    var votes = myVotes();
    if (votes[id] === vote) delete votes[id]; else votes[id] = vote;
    var ids = Object.keys(votes);
    if (ids.length > MAX_REMEMBERED_VOTES) {
      ids.sort(function (a, b) { return a - b; });
      ids.slice(0, ids.length - MAX_REMEMBERED_VOTES).forEach(function (old) { delete votes[old]; });
    }
    if (S.rId) IC.store.set(votesKey(), votes);
    rerenderCard(id);
  }

  /* ---------------- picks and jumps ---------------- */

  function renderPicks() {
    var picks = S.messages.filter(function (m) { return !m.deleted && (m.sC > 0 || m.rC > 0); });
    picks.sort(function (a, b) { return (b.sC - a.sC) || (a.rC - b.rC) || (a.id - b.id); });
    var $picks = $('#picks-list').empty();
    $('#picks-empty').prop('hidden', picks.length > 0);
    $('#picks-toggle .count').text(picks.length);
    picks.forEach(function (m) {
      var $b = $('<button type="button" class="pick"></button>').attr('data-target', m.id);
      $b.append($('<span class="pick-ref"></span>').text('#' + m.id));
      $b.append($('<span class="pick-text"></span>').text(K.userName(m.uId).name + ': ' + M.snippet(M.plainText(m), 60)));
      $b.append($('<span class="pick-votes"></span>').text('support ' + m.sC + ' · reject ' + m.rC));
      $picks.append($('<li></li>').append($b));
    });
  }

  function jumpTo(id) {
    finishRendering();
    var card = document.getElementById('msg-' + id);
    if (!card) { IC.toast('That message is not available any more.'); return; }
    S.stick = false;
    card.scrollIntoView({ block: 'center', behavior: 'smooth' });
    $('.msg.is-highlight').removeClass('is-highlight');
    $(card).addClass('is-highlight');
    card.focus({ preventScroll: true });
    setTimeout(function () { $(card).removeClass('is-highlight'); }, 2500);
  }

  /* ---------------- wiring ---------------- */

  function bind(kit) {
    K = kit;
    S = kit.S;
    $stream = kit.$stream;
    $list = kit.$list;
    $list.append($('<div class="stream-empty"></div>').append($('<p></p>').text('Connecting…')));
    $stream.on('click', '.act-reply', function () {
      composer().startReply($(this).closest('.msg').attr('data-uid'));
    });
    $stream.on('click', '.act-quote', function () {
      composer().startQuote(Number($(this).closest('.msg').attr('data-id')));
    });
    $stream.on('click', '.act-edit', function () {
      composer().startEdit(Number($(this).closest('.msg').attr('data-id')));
    });
    $stream.on('click', '.act-delete', function () {
      var id = Number($(this).closest('.msg').attr('data-id'));
      var $btn = $(this);
      IC.confirm('Delete message #' + id + ' for everyone? This cannot be undone.', 'Delete').then(function (ok) {
        if (!ok) { $btn.trigger('focus'); return; }
        K.request(P.frame('TM_D', K.roomRef(), { m: { id: id } })).then(function () {
          K.$input.trigger('focus');
        }, function (e) { IC.toast(K.errorMessage(e)); });
      });
    });
    $stream.on('click', '.act-support, .act-reject', function () {
      var id = Number($(this).closest('.msg').attr('data-id'));
      var support = $(this).hasClass('act-support');
      K.request(P.frame('TM_S_R', K.roomRef(), { m: { id: id }, srM: support }))
        .then(function () { noteMyVote(id, support ? 'support' : 'reject'); },
          function (e) { IC.toast(K.errorMessage(e)); });
    });
    $stream.on('click', '.msg-quote', function () { jumpTo(Number($(this).attr('data-target'))); });
    // Who voted, as of now (a voter may have been renamed since the card was drawn).
    $stream.on('mouseenter focusin', '.act-support, .act-reject, .vote-tally', function () {
      var msg = S.byId[Number($(this).closest('.msg').attr('data-id'))];
      if (!msg) return;
      var title = this.classList.contains('vote-tally') ? M.tallyTitle(msg, K.renderCtx())
        : M.voteTitle(msg, this.classList.contains('act-reject') ? 'reject' : 'support',
          msg.uId === S.me, K.renderCtx());
      if (title) this.title = title; else this.removeAttribute('title');
    });
    // A card's full date and time appear as the tooltip of its time (made on demand, messages.js).
    $stream[0].addEventListener('mouseover', function (ev) {
      if (ev.target.classList && ev.target.classList.contains('msg-time')) M.fillTimeTitle(ev.target);
    });
    $stream[0].addEventListener('focusin', function (ev) {
      var time = ev.target.querySelector ? ev.target.querySelector('.msg-time') : null;
      if (time) M.fillTimeTitle(time);
    });
    // The message holding focus has its actions in the Tab order; the one left loses them.
    var actionsCard = null;
    var setActionsTabbable = function (cardEl, on) {
      var buttons = cardEl.querySelectorAll('.msg-actions button');
      for (var i = 0; i < buttons.length; i++) buttons[i].tabIndex = on ? 0 : -1;
    };
    $stream.on('focusin', function (ev) {
      var cardEl = ev.target.closest ? ev.target.closest('.msg') : null;
      if (cardEl === actionsCard) return;
      if (actionsCard) setActionsTabbable(actionsCard, false);
      actionsCard = cardEl;
      if (cardEl) setActionsTabbable(cardEl, true);
    });
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
    $('#new-messages').on('click', function () { scrollToBottom(); K.$input.trigger('focus'); });
    $('#picks-list').on('click', '.pick', function () {
      IC.roomTools.closeSidePanels();
      jumpTo(Number($(this).attr('data-target')));
    });
    $('#image-dialog').on('click', '.image-close', function () { $('#image-dialog')[0].close(); });
    $('#jump-unread').on('click', function () {
      $('#unread-bar').prop('hidden', true);
      if (S.unreadMark) jumpTo(S.unreadMark.firstId);
    });
    $('#unread-close').on('click', function () { $('#unread-bar').prop('hidden', true); K.$input.trigger('focus'); });
    document.addEventListener('visibilitychange', markSeen);
  }

  IC.roomList = {
    bind: bind,
    renderAll: renderAll,
    rerenderAuthors: rerenderAuthors,
    appendMessage: appendMessage,
    addNotice: addNotice,
    onAllMessages: onAllMessages,
    onEdited: onEdited,
    onDeleted: onDeleted,
    onVoted: onVoted,
    noteVoters: noteVoters,
    onDropped: onDropped,
    jumpTo: jumpTo,
    finishRendering: finishRendering,
    myVote: myVote,
    prepareUnread: prepareUnread,
    lastSeenId: lastSeenId
  };
})(window);
