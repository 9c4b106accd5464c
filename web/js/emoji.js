/* Emoji picker with search; inserts at the caret of the composer. The table is the one the
   desktop app uses (shared/emoji/emoji.txt), served by the balancer as /static/emoji.txt and
   fetched the first time the picker opens: a room page does not pay for it on load. */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});

  // One emoji a line: the emoji, then its keywords (the first is its name); "# " starts a comment
  // (the keycap emoji starts with # too).
  function parseTable(text) {
    var list = [];
    String(text).split('\n').forEach(function (line) {
      if (line.indexOf('# ') === 0) return;
      var words = line.split(' ').filter(function (w) { return w !== ''; });
      if (words.length < 2) return;
      list.push({ glyph: words[0], keywords: words.slice(1).map(function (w) { return w.toLowerCase(); }) });
    });
    return list;
  }

  // The desktop app's rule (EmojiCatalog): every word typed must start a keyword, or from three
  // letters on appear inside one, so "ar" does not match half the list but "phone" finds
  // "smartphone"; typing the emoji itself finds it.
  function matches(entry, words) {
    return words.every(function (word) {
      if (word === entry.glyph) return true;
      return entry.keywords.some(function (k) {
        return k.indexOf(word) === 0 || (word.length >= 3 && k.indexOf(word) !== -1);
      });
    });
  }

  IC.emojiTable = { parse: parseTable, matches: matches };

  function Picker($root, insert) {
    this.$root = $root;
    this.$grid = $root.find('.emoji-grid');
    this.$search = $root.find('.emoji-search');
    this.$empty = $root.find('.emoji-empty');
    this.$failed = $root.find('.emoji-failed');
    this.tableUrl = $root.attr('data-table') || '/static/emoji.txt';
    this.list = null;
    this.loading = false;
    this.insert = insert;
    var self = this;
    this.$search.on('input', function () { self.filter($(this).val()); });
    this.$grid.on('click', '.emoji-btn', function () {
      self.insert($(this).attr('data-emoji'));
    });
    $root.on('keydown', function (ev) {
      if (ev.key === 'Escape') { ev.stopPropagation(); self.close(true); }
    });
    // The grid is built when the picker opens: a room page should not pay for it on load.
  }

  // Fetched once; a failed fetch is said in the picker and tried again at the next opening.
  Picker.prototype.load = function () {
    if (this.list || this.loading) return;
    this.loading = true;
    this.$failed.prop('hidden', true);
    var self = this;
    fetch(this.tableUrl, { credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.text();
      })
      .then(function (text) {
        self.list = parseTable(text);
        self.loading = false;
        self.filter(self.$search.val());
      })
      .catch(function () {
        self.loading = false;
        self.$failed.prop('hidden', false);
      });
  };

  Picker.prototype.filter = function (query) {
    var words = String(query || '').toLowerCase().split(' ').filter(function (w) { return w !== ''; });
    this.$grid.empty();
    // Until the table is here there is nothing to show, and nothing to call "not found" either.
    if (!this.list) {
      this.$empty.prop('hidden', true);
      return;
    }
    var shown = 0;
    for (var i = 0; i < this.list.length; i++) {
      var entry = this.list[i];
      if (words.length && !matches(entry, words)) continue;
      var name = entry.keywords[0];
      this.$grid.append($('<button type="button" class="emoji-btn"></button>')
        .attr({ 'data-emoji': entry.glyph, title: name, 'aria-label': name })
        .text(entry.glyph));
      shown += 1;
    }
    this.$empty.prop('hidden', shown > 0);
  };

  Picker.prototype.isOpen = function () { return !this.$root.prop('hidden'); };

  Picker.prototype.open = function () {
    this.$root.prop('hidden', false);
    this.$search.val('');
    this.filter('');
    this.load();
    this.$search.trigger('focus');
  };

  Picker.prototype.close = function (refocus) {
    this.$root.prop('hidden', true);
    if (refocus && this.onClose) this.onClose();
  };

  // Insert at the caret (replacing any selection) and leave the caret after the insertion.
  IC.insertAtCaret = function (textarea, text) {
    var start = textarea.selectionStart === undefined ? textarea.value.length : textarea.selectionStart;
    var end = textarea.selectionEnd === undefined ? start : textarea.selectionEnd;
    textarea.value = textarea.value.slice(0, start) + text + textarea.value.slice(end);
    var caret = start + text.length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    $(textarea).trigger('input');
  };

  IC.EmojiPicker = Picker;
})(window);
