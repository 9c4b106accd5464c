/* Room tools: text export, the side panels on narrow screens and the notification/notice
   settings. Shares the room state with room.js via bind(). */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});
  var P = IC.protocol;
  var M = IC.messages;
  var S, $stream, userName, beep;

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
    $(document).on('keydown', function (ev) {
      if (ev.key === 'Escape' && $('#room-body').hasClass('show-side')) closeSidePanels();
    });
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
      $('#set-compact').prop('checked', !!S.settings.compact);
      $stream.toggleClass('hide-presence', !S.settings.notices);
      $stream.toggleClass('is-compact', !!S.settings.compact);
    };
    sync();
    var save = function () { IC.store.set('settings', S.settings); sync(); };
    $('#set-sound').on('change', function () { S.settings.sound = this.checked; if (this.checked) beep(); save(); });
    $('#set-notify-all').on('change', function () { S.settings.notifyAll = this.checked; save(); });
    $('#set-notices').on('change', function () { S.settings.notices = this.checked; save(); });
    $('#set-compact').on('change', function () { S.settings.compact = this.checked; save(); });
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
      bindSide();
      bindSettings();
      $('#download-chat').on('click', downloadChat);
    },
    closeSidePanels: closeSidePanels,
    downloadChat: downloadChat
  };
})(window);
