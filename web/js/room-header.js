/* Room header: title, counts, start time, password badge, description, the page title's
   unread count, and the banners under it (connection, version, server status). Shares the
   room state with room.js via bind(). */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});
  var P = IC.protocol;
  var K, S;
  var countdownTimer = null;

  function roomTitle() {
    return S.room + ' — instantchat';
  }

  function updateTitle() {
    document.title = (S.unread > 0 ? '(' + S.unread + ') ' : '') + roomTitle();
  }

  // Member frames re-render the header often; writing the same text again would still replace
  // the text node and make the next layout redo the header.
  function putText($el, text) {
    if ($el.length && $el[0].textContent !== text) $el.text(text);
    return $el;
  }

  function renderHeader() {
    var members = 0;
    var online = 0;
    S.userOrder.forEach(function (uId) {
      if (uId === P.NIL_UUID) return;
      members += 1;
      if (S.users[uId].o) online += 1;
    });
    putText($('#online-count'), online + ' online');
    putText($('#member-count'), members + (members === 1 ? ' member' : ' members'));
    putText($('#users-toggle .count'), String(online)).prop('hidden', !S.haveUsers);
    // Before the first member list (e.g. behind the password prompt) there is nothing to count.
    $('#members-meta').prop('hidden', !S.haveUsers);
    // Shown once the page is idle after the first draw (room.js warmIntl: the date formatter).
    var started = S.createdAt && S.intlReady;
    if (started) {
      putText($('#started-at'), IC.formatDateTime(S.createdAt)).attr('datetime', S.createdAt.toISOString());
    }
    $('#started-meta').prop('hidden', !started);
    $('#password-badge').prop('hidden', !S.hasPassword);
    renderDescription();
  }

  function renderDescription() {
    var isCreator = !!S.me && S.me === S.creator;
    var $t = $('#description-text');
    if (S.description) {
      if ($t[0].getAttribute('data-text') !== S.description) {
        // Links work; the rest is text (no formatting: a description is one short paragraph).
        $t[0].replaceChildren();
        IC.messages.linkAtoms(S.description).forEach(function (a) {
          if (a.kind === 'text') { $t[0].appendChild(document.createTextNode(a.text)); return; }
          var link = document.createElement('a');
          link.href = a.text;
          link.target = '_blank';
          link.rel = 'noopener noreferrer';
          link.textContent = a.text;
          $t[0].appendChild(link);
        });
        $t[0].setAttribute('data-text', S.description);
      }
      $t.removeClass('is-empty');
    } else {
      $t[0].removeAttribute('data-text');
      putText($t, isCreator ? 'No description yet — add one so people know what this room is about.' : 'No description.')
        .addClass('is-empty');
    }
    $('#description-edit').prop('hidden', !isCreator || !$('#description-form').prop('hidden'));
    $('#room-description').prop('hidden', !S.description && !isCreator);
    // A long description is clamped to two lines until the reader opens it. Measuring forces a
    // layout, so only when the text or the clamp changed (not on every member update).
    var shown = S.description + '|' + !!S.descriptionOpen + '|' + $('#description-form').prop('hidden');
    if (shown === S.descriptionShown) return;
    S.descriptionShown = shown;
    $t.toggleClass('is-collapsed', !S.descriptionOpen);
    var overflows = S.descriptionOpen || (!!S.description && $t[0].scrollHeight > $t[0].clientHeight + 1);
    $('#description-more').prop('hidden', !S.description || !overflows || !$('#description-form').prop('hidden'))
      .text(S.descriptionOpen ? 'Less' : 'More').attr('aria-expanded', S.descriptionOpen ? 'true' : 'false');
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

  function bind(kit) {
    K = kit;
    S = kit.S;
    document.title = roomTitle();
    $('#room-title').text(S.room);
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
    $('#description-more').on('click', function () {
      S.descriptionOpen = !S.descriptionOpen;
      renderDescription();
    });
    $('#conn-banner .retry-now').on('click', function () { S.conn.retryNow(); });
    $('#version-banner .reload').on('click', function () { global.location.reload(); });
    $('#version-banner .dismiss').on('click', function () { $('#version-banner').prop('hidden', true); });
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'visible' && S.unread) {
        S.unread = 0;
        updateTitle();
      }
    });
  }

  IC.roomHeader = {
    bind: bind,
    render: renderHeader,
    renderDescription: renderDescription,
    updateTitle: updateTitle,
    showConnBanner: showConnBanner,
    checkVersion: checkVersion,
    applyStatus: applyStatus
  };
})(window);
