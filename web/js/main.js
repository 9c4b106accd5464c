/* Entry point of index.html: the same page serves home (/) and every room (/<room>). */
(function (global) {
  'use strict';

  var IC = global.IC;
  var P = IC.protocol;

  $(function () {
    var path = global.location.pathname.replace(/^\/+/, '');
    var raw = IC.decode(path).replace(/\/+$/, '');
    if (!raw || raw === 'index.html') {
      // Only the home page needs home.js and pages.css: a room page (the first load most people
      // make) does not. The home view stays hidden until both are there.
      Promise.all([IC.loadStyle('pages'), IC.loadScript('home')]).then(function () { IC.home.start(); }, function (e) {
        $('#home-view').prop('hidden', false);
        IC.toast(e.message);
      });
      return;
    }
    var name = P.canonicalRoom(raw);
    var problem = P.roomNameProblem(name);
    if (problem) {
      var show = function () { $('#invalid-room').prop('hidden', false); };
      IC.loadStyle('pages').then(show, show);
      $('#invalid-room .invalid-reason').text(problem);
      $('#invalid-room .invalid-name').text(raw);
      document.title = 'Invalid room name — instantchat';
      return;
    }
    // One room, one URL: /Room and /%20room show the canonical address.
    if (raw !== name && global.history.replaceState) {
      global.history.replaceState(null, '', '/' + encodeURIComponent(name) + global.location.search + global.location.hash);
    }
    $('.skip-link').attr('href', '#composer-input');
    IC.room.start(name);
  });
})(window);
