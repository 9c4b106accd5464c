/* Connection methods page: curl examples for this very server, so they can be pasted as-is. */
(function (global) {
  'use strict';

  var IC = global.IC;
  var P = IC.protocol;

  // Single quotes keep the shell from touching '&', '?' and '$'; a quote inside is closed,
  // escaped and reopened.
  function shellQuote(s) {
    return "'" + String(s).replace(/'/g, "'\\''") + "'";
  }

  function examples(origin, room) {
    var r = origin + '/r/' + encodeURIComponent(room);
    var s = origin + '/s/' + encodeURIComponent(room);
    return {
      'read': 'curl ' + shellQuote(r),
      'read-last': 'curl ' + shellQuote(r + '?l=10&quite=true'),
      'read-json': 'curl ' + shellQuote(r + '?id=42&format=json'),
      'send': 'curl ' + shellQuote(s + '?m=' + encodeURIComponent('hello from curl')),
      'send-encode': 'curl -G ' + shellQuote(s) + ' --data-urlencode ' + shellQuote('m=Temperature: 21.5 °C & rising'),
      'send-json': 'curl ' + shellQuote(s + '?m=' + encodeURIComponent('hi') + '&format=json'),
      // The password goes in a header: URLs end up in proxy and server access logs.
      'password': 'curl -G ' + shellQuote(s) + ' -H ' + shellQuote('X-Room-Password: secret') + ' --data-urlencode ' + shellQuote('m=hello'),
      'status': 'curl -s -o /dev/null -w ' + shellQuote('%{http_code}\\n') + ' ' + shellQuote(s + '?m=ping')
    };
  }

  function render() {
    var origin = global.location.origin;
    var room = P.canonicalRoom($('#example-room').val()) || 'my-room';
    var problem = P.roomNameProblem(room);
    $('#example-room-hint').text(problem);
    if (problem) return;
    var ex = examples(origin, room);
    $('.snippet').each(function () {
      var key = $(this).attr('data-example');
      var $pre = $(this).find('pre');
      if (!$pre.length) {
        $pre = $('<pre></pre>').append('<code></code>');
        var $copy = $('<button type="button" class="btn btn-small copy"></button>').text('Copy')
          .attr('aria-label', 'Copy this command');
        $(this).append($pre, $copy);
      }
      $pre.find('code').text(ex[key] || '');
    });
    $('.origin').text(origin);
    $('.origin-code').each(function () {
      $(this).text(origin + $(this).attr('data-path').replace('my-room', encodeURIComponent(room)));
    });
  }

  $(function () {
    $('#example-room').on('input', function () {
      var v = P.normaliseRoomInput(this.value);
      if (v !== this.value) this.value = v;
      render();
    });
    $(document).on('click', '.snippet .copy', function () {
      var $btn = $(this);
      IC.copyText($btn.siblings('pre').text()).then(function () {
        $btn.text('Copied');
        IC.toast('Command copied to the clipboard.');
        setTimeout(function () { $btn.text('Copy'); }, 1800);
      }, function () { IC.toast('Copy failed — select the text instead.'); });
    });
    render();
  });
})(window);
