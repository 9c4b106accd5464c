/* Room tools: search in the loaded messages, text export, the side panels on narrow screens
   and the notification/notice settings. Shares the room state with room.js via bind(). */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});
  var P = IC.protocol;
  var M = IC.messages;
  var S, $stream, userName, beep;

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
    if (S.search.index < 0) S.search.index = n - 1;
    else S.search.index = (S.search.index + (dir < 0 ? -1 : 1) + n) % n;
    $('.msg.is-search-current').removeClass('is-search-current');
    updateSearchStatus();
    var card = document.getElementById('msg-' + S.search.matches[S.search.index]);
    if (card) { S.stick = false; card.scrollIntoView({ block: 'center' }); }
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

  IC.roomTools = {
    bind: function (kit) {
      S = kit.S;
      $stream = kit.$stream;
      userName = kit.userName;
      beep = kit.beep;
      bindSearch();
      bindSide();
      bindSettings();
      $('#download-chat').on('click', downloadChat);
    },
    refreshSearch: refreshSearch,
    closeSidePanels: closeSidePanels
  };
})(window);
