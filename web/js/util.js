/* Small helpers shared by every page. Plain script: exposes window.IC. */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});

  // localStorage can throw (private mode, quota, disabled storage); the UI must keep
  // working without persistence rather than break on first access.
  IC.store = {
    get: function (key, fallback) {
      try {
        var raw = global.localStorage.getItem('ic.' + key);
        return raw === null ? fallback : JSON.parse(raw);
      } catch (e) {
        return fallback;
      }
    },
    set: function (key, value) {
      try {
        global.localStorage.setItem('ic.' + key, JSON.stringify(value));
      } catch (e) { /* persistence is a convenience only */ }
    },
    remove: function (key) {
      try { global.localStorage.removeItem('ic.' + key); } catch (e) { /* ignore */ }
    }
  };

  // Names and texts arrive URL-encoded by convention, but older or foreign clients may send
  // raw text with stray '%'; showing the raw string beats throwing away the message.
  IC.decode = function (s) {
    if (s === null || s === undefined) return '';
    try {
      return decodeURIComponent(String(s));
    } catch (e) {
      return String(s);
    }
  };

  // Whether text mentions a name: "@" + the whole name, not followed by a letter, digit, "_" or
  // "-" (so "@Bobby" does not mention "Bob"), and not inside a word ("mail@bob.example").
  var NAME_CHAR = /[\p{L}\p{N}_-]/u;
  IC.mentions = function (text, name) {
    if (!text || !name) return false;
    var hay = text.toLowerCase();
    var needle = '@' + name.toLowerCase();
    for (var at = hay.indexOf(needle); at !== -1; at = hay.indexOf(needle, at + 1)) {
      var before = at > 0 ? hay.charAt(at - 1) : '';
      var after = hay.charAt(at + needle.length);
      if ((!before || !NAME_CHAR.test(before)) && (!after || !NAME_CHAR.test(after))) return true;
    }
    return false;
  };

  IC.pad2 = function (n) { return (n < 10 ? '0' : '') + n; };

  IC.formatTime = function (date) {
    return IC.pad2(date.getHours()) + ':' + IC.pad2(date.getMinutes());
  };

  IC.formatDay = function (date) {
    var today = new Date();
    var yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
    if (IC.sameDay(date, today)) return 'Today';
    if (IC.sameDay(date, yesterday)) return 'Yesterday';
    return formatter('day', { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' }).format(date);
  };

  IC.formatDateTime = function (date) {
    return formatter('date', { year: 'numeric', month: 'short', day: 'numeric' }).format(date) +
      ', ' + IC.formatTime(date);
  };

  // Date.toLocale*String builds a new formatter on every call; a room of 1,000 cards made that
  // a visible part of its first draw. Same output, one formatter per kind.
  var formatters = {};
  function formatter(kind, options) {
    return formatters[kind] || (formatters[kind] = new Intl.DateTimeFormat(undefined, options));
  }

  // What Date.toLocaleString() shows.
  IC.formatFull = function (date) {
    return formatter('full', { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).format(date);
  };

  IC.sameDay = function (a, b) {
    return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  };

  IC.relativeTime = function (ms) {
    var diff = Math.max(0, Date.now() - ms) / 1000;
    if (diff < 60) return 'just now';
    if (diff < 3600) return Math.floor(diff / 60) + ' min ago';
    if (diff < 86400) return Math.floor(diff / 3600) + ' h ago';
    if (diff < 86400 * 30) return Math.floor(diff / 86400) + ' days ago';
    return new Date(ms).toLocaleDateString();
  };

  IC.randomId = function (len) {
    var alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    var out = '';
    var bytes = new Uint8Array(len);
    (global.crypto || global.msCrypto).getRandomValues(bytes);
    for (var i = 0; i < len; i++) out += alphabet[bytes[i] % alphabet.length];
    return out;
  };

  IC.copyText = function (text) {
    if (global.navigator.clipboard && global.isSecureContext) {
      return global.navigator.clipboard.writeText(text);
    }
    // Plain-http deployments have no async clipboard; fall back to a hidden selection.
    return new Promise(function (resolve, reject) {
      var ta = document.createElement('textarea');
      ta.value = text;
      ta.setAttribute('readonly', '');
      ta.style.position = 'fixed';
      ta.style.opacity = '0';
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      document.body.removeChild(ta);
      if (ok) resolve(); else reject(new Error('copy failed'));
    });
  };

  // A script of web/js loaded on first use (rarely used parts stay out of the first page load),
  // with the same build version as the page's own scripts so it is cached the same way.
  // Resolves when it ran; a failed load is forgotten, so the next use tries again.
  var loaded = {};
  function loadOnce(path, make) {
    if (!loaded[path]) {
      loaded[path] = new Promise(function (resolve, reject) {
        var own = document.querySelector('script[src*="/static/js/util.js"]');
        var version = own ? (own.getAttribute('src').split('?')[1] || '') : '';
        var el = make('/static/' + path + (version ? '?' + version : ''));
        el.onload = function () { resolve(); };
        el.onerror = function () {
          delete loaded[path];
          el.remove();
          reject(new Error('This part of the page could not be loaded. Check the connection and try again.'));
        };
        document.head.appendChild(el);
      });
    }
    return loaded[path];
  }

  IC.loadScript = function (name) {
    return loadOnce('js/' + name + '.js', function (url) {
      var script = document.createElement('script');
      script.src = url;
      return script;
    });
  };

  // The same for a stylesheet of web/css.
  IC.loadStyle = function (name) {
    return loadOnce('css/' + name + '.css', function (url) {
      var link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = url;
      return link;
    });
  };

  // Brief, polite confirmation that a copy/share worked, read out by screen readers.
  IC.toast = function (text) {
    var $t = $('#toast');
    if (!$t.length) {
      $t = $('<div id="toast" class="toast" role="status" aria-live="polite"></div>').appendTo(document.body);
    }
    $t.text(text).addClass('is-visible');
    clearTimeout(IC.toast.timer);
    IC.toast.timer = setTimeout(function () { $t.removeClass('is-visible'); }, 2200);
  };

  // Accessible replacement for window.confirm: a native <dialog> keeps focus trapped and
  // returns focus to the opener, and it cannot be silently suppressed by the browser.
  IC.confirm = function (question, okLabel) {
    return new Promise(function (resolve) {
      var dlg = document.getElementById('confirm-dialog');
      if (!dlg) {
        resolve(global.confirm(question));
        return;
      }
      var $d = $(dlg);
      $d.find('.confirm-question').text(question);
      $d.find('.confirm-ok').text(okLabel || 'OK');
      var done = function (value) {
        $d.off('.confirm');
        if (dlg.open) dlg.close();
        resolve(value);
      };
      $d.on('click.confirm', '.confirm-ok', function () { done(true); });
      $d.on('click.confirm', '.confirm-cancel', function () { done(false); });
      $d.on('cancel.confirm', function (ev) { ev.preventDefault(); done(false); });
      dlg.showModal();
      $d.find('.confirm-cancel').trigger('focus');
    });
  };
})(window);

/* Recent rooms, newest first, kept locally only. */
(function (global) {
  'use strict';
  var IC = global.IC;
  var KEY = 'recentRooms';
  var MAX = 20;

  IC.recent = {
    list: function () {
      var l = IC.store.get(KEY, []);
      return Array.isArray(l) ? l.filter(function (r) { return r && typeof r.name === 'string'; }) : [];
    },
    add: function (name) {
      var l = IC.recent.list().filter(function (r) { return r.name !== name; });
      l.unshift({ name: name, lastVisit: Date.now() });
      IC.store.set(KEY, l.slice(0, MAX));
    },
    remove: function (name) {
      IC.store.set(KEY, IC.recent.list().filter(function (r) { return r.name !== name; }));
    }
  };

  IC.roomUrl = function (name) {
    return global.location.origin + '/' + encodeURIComponent(name);
  };
})(window);
