/* Room search bar: finds text or names in the loaded messages, steps through the matches
   (newest first) and marks them in the list. Shares the room state with room.js via bind().
   Loaded when the search is first opened (room.js bindSearch): most visits never search. */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});
  var M = IC.messages;
  var S, userName;

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
    IC.roomList.finishRendering(); // the match may be among the cards not drawn yet
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

  function open() {
    $('#search-bar').prop('hidden', false);
    $('#search-toggle').attr('aria-expanded', 'true');
    $('#search-input').trigger('focus').trigger('select');
  }

  IC.roomSearch = {
    bind: function (kit) {
      S = kit.S;
      userName = kit.userName;
      bindSearch();
      $(document).on('keydown', function (ev) {
        if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === 'f' && S.joined && !ev.shiftKey) {
          ev.preventDefault();
          open();
        }
      });
    },
    open: open,
    refresh: refreshSearch
  };
})(window);
