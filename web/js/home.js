/* Home page: one form to join or create a room, recent rooms. */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});
  var P = IC.protocol;

  // Authorise (name + password) without joining, so a wrong password is reported here, on the
  // form, and the room page can later join without ever seeing the password.
  function authorise(name, password, nickname) {
    return new Promise(function (resolve, reject) {
      var frame = P.joinFrame('R_C_J_AU', { name: name, password: password }, nickname);
      var settled = false;
      var conn = new IC.Connection(name, {
        onOpen: function () { conn.send(frame); },
        onFrame: function (f) {
          if (f.rq !== frame.rq || settled) return;
          settled = true;
          conn.stop();
          if (f.c === 'RP') resolve(f);
          else reject({ code: P.errorCode(f), alternatives: conn.alternatives });
        },
        onState: function (state) {
          if (state === 'waiting' && !settled) {
            settled = true;
            conn.stop();
            reject({ message: conn.lastError || 'The chat server cannot be reached right now. Please try again.' });
          }
        }
      });
      conn.connect();
    });
  }

  function showFieldProblem($input, $hint, text) {
    $hint.text(text || '');
    $input.attr('aria-invalid', text ? 'true' : null);
  }

  function renderRecent() {
    var $list = $('#recent-list').empty();
    var rooms = IC.recent.list();
    $('#recent-empty').prop('hidden', rooms.length > 0);
    rooms.forEach(function (r) {
      var $li = $('<li class="recent-item"></li>');
      var $a = $('<a class="recent-link"></a>').attr('href', '/' + encodeURIComponent(r.name));
      $a.append($('<span class="recent-name"></span>').text(r.name));
      $a.append($('<span class="recent-when"></span>').text('last visit ' + IC.relativeTime(r.lastVisit))
        .attr('title', new Date(r.lastVisit).toLocaleString()));
      var $rm = $('<button type="button" class="btn-icon recent-remove"></button>')
        .attr({ 'aria-label': 'Remove ' + r.name + ' from recent rooms', title: 'Remove from list' })
        .append($('<span aria-hidden="true">✕</span>'))
        .on('click', function () {
          IC.recent.remove(r.name);
          renderRecent();
          $('#room-name').trigger('focus');
        });
      $li.append($a, $rm);
      $list.append($li);
    });
  }

  IC.home = {
    start: function () {
      document.title = 'instantchat — anonymous chat rooms';
      $('#home-view').prop('hidden', false);
      $('.host-prefix').text(global.location.host + '/');

      var $name = $('#room-name');
      var $nameHint = $('#room-name-hint');
      var $pass = $('#room-password');
      var $nick = $('#nickname');
      var $nickHint = $('#nickname-hint');
      var $err = $('#join-error');
      var $btn = $('#join-button');

      $nick.val(IC.store.get('nickname', ''));

      $name.on('input', function () {
        var el = this;
        var before = el.value;
        var caret = el.selectionStart;
        var after = P.normaliseRoomInput(before);
        if (after !== before) {
          el.value = after;
          var shift = before.length - after.length;
          el.setSelectionRange(Math.max(0, caret - shift), Math.max(0, caret - shift));
        }
        showFieldProblem($name, $nameHint, after ? P.roomNameProblem(after) : '');
        $err.prop('hidden', true);
      });
      $nick.on('input', function () {
        showFieldProblem($nick, $nickHint, P.userNameProblem($nick.val()));
      });

      function showError(text, alternatives, name) {
        $err.find('.form-error-text').text(text);
        var $chips = $err.find('.chips').empty();
        var alts = (alternatives || []).filter(Boolean);
        $err.find('.chips-label').prop('hidden', alts.length === 0);
        alts.forEach(function (s) {
          var alt = name + '-' + s;
          $chips.append($('<button type="button" class="chip"></button>').text(alt)
            .attr('aria-label', 'Use the free name ' + alt)
            .on('click', function () {
              $name.val(alt).trigger('input');
              $('#join-form').trigger('submit');
            }));
        });
        $err.prop('hidden', false);
      }

      $('#join-form').on('submit', function (ev) {
        ev.preventDefault();
        var name = P.canonicalRoom($name.val());
        $name.val(name);
        var problem = P.roomNameProblem(name);
        showFieldProblem($name, $nameHint, problem);
        var nickProblem = P.userNameProblem($nick.val());
        showFieldProblem($nick, $nickHint, nickProblem);
        if (problem) { $name.trigger('focus'); return; }
        if (nickProblem) { $nick.trigger('focus'); return; }
        var nickname = $nick.val().trim();
        IC.store.set('nickname', nickname);
        $err.prop('hidden', true);
        $btn.prop('disabled', true).attr('aria-busy', 'true').text('Joining…');
        authorise(name, $pass.val(), nickname).then(function () {
          global.location.href = '/' + encodeURIComponent(name);
        }, function (e) {
          $btn.prop('disabled', false).attr('aria-busy', null).text('Join or create');
          if (e.code === '203') {
            showError($pass.val()
              ? '“' + name + '” already exists and this password does not match. Check the password, or pick a free name:'
              : '“' + name + '” is password-protected. Enter its password, or pick a free name:', e.alternatives, name);
            $pass.trigger('focus');
          } else if (e.code === '204' || e.code === '205') {
            showFieldProblem($nick, $nickHint, P.errorText(e.code));
            $nick.trigger('focus');
          } else if (e.code) {
            showError(P.errorText(e.code), [], name);
          } else {
            showError(e.message, [], name);
          }
        });
      });

      // The balancer redirects an invalid room URL to /?error=<sentence>; say it once, here.
      var redirected = new URLSearchParams(global.location.search).get('error');
      if (redirected) {
        showError(redirected.slice(0, 300), [], '');
        if (global.history.replaceState) global.history.replaceState(null, '', '/');
      }

      renderRecent();
      $name.trigger('focus');
    }
  };
})(window);
