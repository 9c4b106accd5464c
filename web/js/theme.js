/* Light/dark theme. Loaded in <head> without defer so the saved choice applies before the
   first paint (no white flash for dark-theme users). Without a saved choice the OS decides. */
(function (global) {
  'use strict';

  var KEY = 'ic.theme';
  var root = document.documentElement;
  var media = global.matchMedia ? global.matchMedia('(prefers-color-scheme: dark)') : null;

  function saved() {
    try { return global.localStorage.getItem(KEY); } catch (e) { return null; }
  }

  function effective() {
    var s = saved();
    if (s === 'light' || s === 'dark') return s;
    return media && media.matches ? 'dark' : 'light';
  }

  function apply() {
    var t = effective();
    root.setAttribute('data-theme', t);
    var buttons = document.querySelectorAll('.theme-toggle');
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i];
      // The label names the action; the pressed state says which theme is on.
      b.setAttribute('aria-pressed', t === 'dark' ? 'true' : 'false');
      b.setAttribute('title', t === 'dark' ? 'Switch to light theme' : 'Switch to dark theme');
      var label = b.querySelector('.theme-toggle-label');
      if (label) label.textContent = t === 'dark' ? 'Light' : 'Dark';
    }
  }

  apply();
  if (media && media.addEventListener) media.addEventListener('change', apply);

  document.addEventListener('DOMContentLoaded', function () {
    apply();
    document.addEventListener('click', function (ev) {
      var b = ev.target.closest && ev.target.closest('.theme-toggle');
      if (!b) return;
      var next = effective() === 'dark' ? 'light' : 'dark';
      try { global.localStorage.setItem(KEY, next); } catch (e) { /* keep it for this page only */ }
      apply();
    });
  });

  global.ICTheme = { apply: apply, effective: effective };
})(window);
