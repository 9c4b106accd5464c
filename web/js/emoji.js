/* Emoji picker with search; inserts at the caret of the composer. The list is short on
   purpose: the common ones, each with words people search for. */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});

  var LIST = [
    ['😀', 'grin smile happy'], ['😃', 'smile happy joy'], ['😄', 'laugh smile happy'],
    ['😁', 'beam grin'], ['😆', 'laugh lol'], ['😅', 'sweat relief'], ['😂', 'joy tears laugh lol'],
    ['🤣', 'rofl laugh floor'], ['🙂', 'slight smile'], ['🙃', 'upside down'], ['😉', 'wink'],
    ['😊', 'blush smile'], ['😇', 'angel halo innocent'], ['🥰', 'love hearts'], ['😍', 'heart eyes love'],
    ['😘', 'kiss'], ['😋', 'yum tasty'], ['😛', 'tongue'], ['😜', 'wink tongue crazy'], ['🤪', 'zany crazy'],
    ['🤔', 'think hmm'], ['🤨', 'raised eyebrow doubt'], ['😐', 'neutral meh'], ['😑', 'expressionless'],
    ['😶', 'silent speechless'], ['🙄', 'eye roll'], ['😏', 'smirk'], ['😬', 'grimace awkward'],
    ['😌', 'relieved calm'], ['😔', 'pensive sad'], ['😪', 'sleepy'], ['😴', 'sleep zzz'],
    ['😷', 'mask sick'], ['🤒', 'ill fever sick'], ['🤯', 'mind blown exploding'], ['🥳', 'party celebrate'],
    ['😎', 'cool sunglasses'], ['🤓', 'nerd geek'], ['😕', 'confused'], ['😟', 'worried'],
    ['😮', 'wow surprised open mouth'], ['😲', 'astonished shocked'], ['😳', 'flushed embarrassed'],
    ['🥺', 'pleading puppy eyes'], ['😢', 'cry sad tear'], ['😭', 'sob cry loud'], ['😱', 'scream fear'],
    ['😡', 'angry rage mad'], ['🤬', 'swear cursing'], ['😈', 'devil evil'], ['💀', 'skull dead'],
    ['💩', 'poo poop'], ['🤡', 'clown'], ['👻', 'ghost boo'], ['👽', 'alien ufo'], ['🤖', 'robot bot'],
    ['👋', 'wave hello hi bye'], ['👌', 'ok perfect'], ['✌️', 'victory peace'], ['🤞', 'fingers crossed luck'],
    ['👍', 'thumbs up yes like agree'], ['👎', 'thumbs down no dislike'], ['👏', 'clap applause bravo'],
    ['🙌', 'raise hands hooray'], ['🙏', 'pray please thanks'], ['💪', 'muscle strong flex'],
    ['🤝', 'handshake deal'], ['👀', 'eyes look'], ['❤️', 'heart love red'], ['🧡', 'orange heart'],
    ['💛', 'yellow heart'], ['💚', 'green heart'], ['💙', 'blue heart'], ['💜', 'purple heart'],
    ['💔', 'broken heart'], ['✨', 'sparkles shine'], ['🔥', 'fire hot lit'], ['⭐', 'star'],
    ['🌟', 'glowing star'], ['💯', 'hundred perfect'], ['✅', 'check done yes'], ['❌', 'cross no wrong'],
    ['❓', 'question'], ['❗', 'exclamation important'], ['⚠️', 'warning caution'], ['🎉', 'tada party celebrate'],
    ['🎂', 'cake birthday'], ['🎁', 'gift present'], ['☕', 'coffee tea hot'], ['🍕', 'pizza food'],
    ['🍺', 'beer drink'], ['🍷', 'wine drink'], ['🍎', 'apple fruit'], ['🌈', 'rainbow'],
    ['☀️', 'sun sunny weather'], ['🌧️', 'rain weather'], ['❄️', 'snow cold winter'], ['🌙', 'moon night'],
    ['🐶', 'dog puppy'], ['🐱', 'cat kitten'], ['🦊', 'fox'], ['🐼', 'panda'], ['🐧', 'penguin linux'],
    ['🦄', 'unicorn'], ['🚀', 'rocket launch ship'], ['💡', 'idea bulb light'], ['📌', 'pin'],
    ['📎', 'paperclip attach'], ['🔗', 'link chain'], ['🔒', 'lock locked private'], ['🔑', 'key'],
    ['⏰', 'alarm clock time'], ['📅', 'calendar date'], ['💻', 'laptop computer'], ['📱', 'phone mobile'],
    ['🐛', 'bug'], ['🛠️', 'tools fix build'], ['🎵', 'music note'], ['⚽', 'football soccer'], ['🏁', 'finish flag']
  ];

  function Picker($root, insert) {
    this.$root = $root;
    this.$grid = $root.find('.emoji-grid');
    this.$search = $root.find('.emoji-search');
    this.$empty = $root.find('.emoji-empty');
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

  Picker.prototype.filter = function (query) {
    var q = String(query || '').trim().toLowerCase();
    this.$grid.empty();
    var shown = 0;
    for (var i = 0; i < LIST.length; i++) {
      if (q && LIST[i][1].indexOf(q) === -1) continue;
      var name = LIST[i][1].split(' ')[0];
      this.$grid.append($('<button type="button" class="emoji-btn"></button>')
        .attr({ 'data-emoji': LIST[i][0], title: name, 'aria-label': name })
        .text(LIST[i][0]));
      shown += 1;
    }
    this.$empty.prop('hidden', shown > 0);
  };

  Picker.prototype.isOpen = function () { return !this.$root.prop('hidden'); };

  Picker.prototype.open = function () {
    this.$root.prop('hidden', false);
    this.$search.val('');
    this.filter('');
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
