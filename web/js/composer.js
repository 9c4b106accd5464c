/* Room composer: writing, sending (kept until the server confirms), editing, replying and
   quoting, @-mention autocomplete, drafts, inline rename, the creator's description editor, emoji and drawing pads.
   Shares the room state with room.js through the kit passed to bind(). */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});
  var P = IC.protocol;
  var M = IC.messages;
  var S, $input, userName, myName, request, roomRef, errorMessage, renderDescription, closeSidePanels, showConnBanner;

  /* ---------------- composer ---------------- */

  function draftKey() { return 'draft.' + S.room; }

  function saveDraft() {
    if (S.ctx.mode === 'edit') return;
    var v = $input.val();
    if (v) IC.store.set(draftKey(), v); else IC.store.remove(draftKey());
  }

  function updateCounter() {
    var n = Array.from($input.val()).length;
    var $c = $('#char-counter');
    // Only near the limit: a permanent counter is noise for chat-length messages.
    if (n >= P.MAX_TEXT * 0.8) {
      $c.text(n + ' / ' + P.MAX_TEXT).prop('hidden', false).toggleClass('is-over', n > P.MAX_TEXT);
    } else {
      $c.prop('hidden', true);
    }
  }

  function setComposerError(text) {
    $('#composer-error').text(text || '').prop('hidden', !text);
  }

  function renderContext() {
    var c = S.ctx;
    var $bar = $('#composer-context');
    var $t = $bar.find('.context-text').empty();
    if (c.mode === 'edit') {
      $t.append($('<strong></strong>').text('Editing message #' + c.editId));
      $bar.find('.context-cancel').attr('aria-label', 'Cancel editing');
    } else if (c.rM !== null) {
      var q = S.byId[c.rM];
      $t.append($('<strong></strong>').text('Quoting #' + c.rM + ' '))
        .append($('<span></span>').text(q ? userName(q.uId).name + ': ' + M.snippet(M.plainText(q), 30) : ''));
      $bar.find('.context-cancel').attr('aria-label', 'Cancel quote');
    } else if (c.rU) {
      $t.append(document.createTextNode('Replying to ')).append($('<strong></strong>').text('@' + userName(c.rU).name));
      $bar.find('.context-cancel').attr('aria-label', 'Cancel reply');
    }
    $bar.prop('hidden', c.mode !== 'edit' && c.rM === null && !c.rU);
    $('#composer-submit .label').text(c.mode === 'edit' ? 'Save' : 'Send');
  }

  function cancelContext() {
    var wasEdit = S.ctx.mode === 'edit';
    S.ctx = { mode: 'new', editId: null, rU: null, rM: null };
    if (wasEdit) $input.val(IC.store.get(draftKey(), ''));
    renderContext();
    updateCounter();
    setComposerError('');
  }

  function startReply(uId) {
    if (!uId || uId === S.me) return;
    if (S.ctx.mode === 'edit') cancelContext();
    S.ctx.rU = uId;
    S.ctx.rM = null;
    renderContext();
    $input.trigger('focus');
  }

  function startQuote(id) {
    var msg = S.byId[id];
    if (!msg) return;
    if (S.ctx.mode === 'edit') cancelContext();
    S.ctx.rU = msg.uId;
    S.ctx.rM = msg.id;
    renderContext();
    $input.trigger('focus');
  }

  function startEdit(id) {
    var msg = S.byId[id];
    if (!msg || msg.uId !== S.me || msg.deleted || P.drawingRef(IC.decode(msg.t))) return;
    saveDraft();
    S.ctx = { mode: 'edit', editId: id, rU: msg.rU || null, rM: msg.rM === undefined ? null : msg.rM };
    $input.val(IC.decode(msg.t));
    renderContext();
    updateCounter();
    $input.trigger('focus');
    var end = $input.val().length;
    $input[0].setSelectionRange(end, end);
  }

  function lastOwnTextMessage() {
    for (var i = S.messages.length - 1; i >= 0; i--) {
      var m = S.messages[i];
      if (m.uId === S.me && !m.deleted && !P.drawingRef(IC.decode(m.t))) return m;
    }
    return null;
  }

  function sendComposer() {
    var text = $input.val();
    if (!text.trim() || S.sending) return;
    if (Array.from(text).length > P.MAX_TEXT) {
      setComposerError(P.errorText('207') + ' Please shorten it by ' + (Array.from(text).length - P.MAX_TEXT) + ' characters.');
      return;
    }
    setComposerError('');
    var c = S.ctx;
    if (S.replaced) {
      // Another tab took the room: nothing is queued here (it would be sent by no one), the
      // banner offers to take the room back.
      setComposerError('This room is open in another tab or window. Use it there, or take it back here first.');
      return;
    }
    if (!S.joined) {
      // Keep it and send after reconnecting, as the banner promises.
      S.queued = true;
      setComposerError('Not connected — your message will be sent as soon as the connection is back.');
      showConnBanner(S.conn.retryTimer ? 'waiting' : 'connecting');
      return;
    }
    var frame = c.mode === 'edit'
      ? P.textFrame('TM_E', roomRef(), c.editId, text, c.rU, c.rM)
      : P.textFrame('TM', roomRef(), 0, text, c.rU, c.rM);
    S.sending = text;
    S.sendingRq = frame.rq;
    $('#composer').attr('aria-busy', 'true');
    request(frame).then(function () {
      S.sending = null;
      $('#composer').attr('aria-busy', null);
      // Clear only what was confirmed: anything typed meanwhile stays.
      if ($input.val() === text) $input.val('');
      var wasEdit = c.mode === 'edit';
      S.ctx = { mode: 'new', editId: null, rU: null, rM: null };
      if (wasEdit) $input.val(IC.store.get(draftKey(), ''));
      else IC.store.remove(draftKey());
      renderContext();
      updateCounter();
    }, function (e) {
      S.sending = null;
      $('#composer').attr('aria-busy', null);
      if (e.code === 'offline') {
        S.queued = true;
        setComposerError('Not connected — your message will be sent as soon as the connection is back.');
      } else {
        setComposerError(P.errorText(e.code) + ' Your text is still here.');
      }
    });
  }

  function bindComposer() {
    var coarse = global.matchMedia && global.matchMedia('(pointer: coarse)').matches;
    // On touch screens Enter adds a line (the on-screen keyboard has no Shift): say so.
    if (coarse) $('#composer-hint').text('Enter adds a line · tap Send to send');
    $input.val(IC.store.get(draftKey(), ''));
    updateCounter();
    $input.on('input', function () {
      saveDraft();
      updateCounter();
      if (!$input.val()) setComposerError('');
    });
    $input.on('keydown', function (ev) {
      if (ev.isComposing || ev.keyCode === 229) return;
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.altKey && !coarse) {
        ev.preventDefault();
        sendComposer();
      } else if (ev.key === 'ArrowUp' && !$input.val() && S.ctx.mode === 'new' && !ev.shiftKey) {
        var last = lastOwnTextMessage();
        if (last) { ev.preventDefault(); startEdit(last.id); }
      } else if (ev.key === 'Escape') {
        if (S.ctx.mode !== 'new' || S.ctx.rU || S.ctx.rM !== null) {
          ev.preventDefault();
          cancelContext();
        }
      }
    });
    $('#composer-form').on('submit', function (ev) {
      ev.preventDefault();
      sendComposer();
      $input.trigger('focus');
    });
    $('#composer-context .context-cancel').on('click', function () {
      cancelContext();
      $input.trigger('focus');
    });
  }

  /* ---------------- @-mention autocomplete ---------------- */

  // "@" and what follows it up to the caret, when the "@" starts a word; names may hold spaces.
  var MENTION_RE = /(^|[^\p{L}\p{N}_-])@([^@\n]{0,40})$/u;
  var MAX_SUGGESTIONS = 6;
  var suggest = { items: [], index: 0, start: -1 };

  function mentionCandidates(partial) {
    var p = partial.toLowerCase();
    var out = [];
    S.userOrder.forEach(function (uId) {
      if (uId === P.NIL_UUID || uId === S.me || !S.users[uId]) return;
      var name = userName(uId).name;
      if (name.toLowerCase().indexOf(p) === 0) out.push({ uId: uId, name: name, online: !!S.users[uId].o });
    });
    // Online people first, then alphabetical: the likely addressee is on top.
    out.sort(function (a, b) { return (b.online - a.online) || a.name.localeCompare(b.name); });
    return out.slice(0, MAX_SUGGESTIONS);
  }

  function closeSuggestions() {
    suggest.items = [];
    $('#mention-list').prop('hidden', true).empty();
    $input.attr('aria-expanded', 'false').removeAttr('aria-activedescendant');
  }

  function renderSuggestions() {
    var $l = $('#mention-list').empty();
    suggest.items.forEach(function (c, i) {
      var $o = $('<li role="option" class="mention-option"></li>').attr('id', 'mention-opt-' + i)
        .attr('aria-selected', i === suggest.index ? 'true' : 'false').attr('data-index', i)
        .toggleClass('is-active', i === suggest.index).text('@' + c.name);
      $l.append($o);
    });
    $l.prop('hidden', false);
    $input.attr('aria-expanded', 'true').attr('aria-activedescendant', 'mention-opt-' + suggest.index);
  }

  function updateSuggestions() {
    var el = $input[0];
    if (el.selectionStart !== el.selectionEnd) { closeSuggestions(); return; }
    var before = el.value.slice(0, el.selectionStart);
    var m = MENTION_RE.exec(before);
    var items = m ? mentionCandidates(m[2]) : [];
    // A name already typed out in full needs no list.
    if (!items.length || (items.length === 1 && items[0].name === m[2])) { closeSuggestions(); return; }
    suggest.items = items;
    suggest.index = 0;
    suggest.start = before.length - m[2].length - 1; // the "@"
    renderSuggestions();
  }

  function pickSuggestion(i) {
    var c = suggest.items[i];
    if (!c) return;
    var el = $input[0];
    var caret = el.selectionStart;
    var text = '@' + c.name + ' ';
    el.value = el.value.slice(0, suggest.start) + text + el.value.slice(caret);
    var at = suggest.start + text.length;
    el.setSelectionRange(at, at);
    closeSuggestions();
    $input.trigger('input');
    $input.trigger('focus');
  }

  // Bound before the composer's own keys, so Enter/Tab pick a name instead of sending.
  function bindMentions() {
    $input.attr({ 'aria-autocomplete': 'list', 'aria-controls': 'mention-list', 'aria-expanded': 'false' });
    $input.on('keydown', function (ev) {
      if (!suggest.items.length) return;
      var n = suggest.items.length;
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        suggest.index = (suggest.index + (ev.key === 'ArrowDown' ? 1 : n - 1)) % n;
        renderSuggestions();
      } else if (ev.key === 'Enter' || ev.key === 'Tab') {
        pickSuggestion(suggest.index);
      } else if (ev.key === 'Escape') {
        closeSuggestions();
      } else {
        return;
      }
      ev.preventDefault();
      ev.stopImmediatePropagation();
    });
    $input.on('input click', updateSuggestions);
    $input.on('blur', function () { setTimeout(closeSuggestions, 150); });
    $('#mention-list').on('mousedown', '.mention-option', function (ev) {
      ev.preventDefault(); // keep the focus in the composer
      pickSuggestion(Number($(this).attr('data-index')));
    });
  }

  /* ---------------- rename and description ---------------- */

  function openRename() {
    $('#identity').prop('hidden', true);
    $('#rename-form').prop('hidden', false);
    $('#rename-input').val(myName()).trigger('focus').trigger('select');
    $('#rename-error').prop('hidden', true);
  }

  function renderIdentity() {
    $('#my-name').text(myName() || '…');
  }

  function closeRename() {
    $('#rename-form').prop('hidden', true);
    $('#identity').prop('hidden', false);
  }

  function bindRename() {
    $('#rename-open').on('click', openRename);
    $('#user-list').on('click', '.user-rename', function () {
      closeSidePanels();
      openRename();
    });
    $('#rename-cancel').on('click', function () { closeRename(); $input.trigger('focus'); });
    $('#rename-form').on('keydown', function (ev) {
      if (ev.key === 'Escape') { ev.preventDefault(); closeRename(); $input.trigger('focus'); }
    });
    $('#rename-form').on('submit', function (ev) {
      ev.preventDefault();
      var name = $('#rename-input').val().trim();
      var problem = P.userNameProblem(name);
      if (problem) { $('#rename-error').text(problem).prop('hidden', false); return; }
      request(P.frame('R_CH_UN', roomRef(), { uN: encodeURIComponent(name) })).then(function () {
        closeRename();
        IC.toast('Name changed.');
        $input.trigger('focus');
      }, function (e) {
        $('#rename-error').text(errorMessage(e)).prop('hidden', false);
      });
    });
  }

  function bindDescription() {
    var $form = $('#description-form');
    var $ta = $('#description-input');
    var count = function () {
      var n = Array.from($ta.val()).length;
      $('#description-count').text(n + ' / ' + P.MAX_DESCRIPTION).toggleClass('is-over', n > P.MAX_DESCRIPTION);
    };
    $('#description-edit').on('click', function () {
      $ta.val(S.description);
      count();
      $form.prop('hidden', false);
      $('#description-edit').prop('hidden', true);
      $('#description-more').prop('hidden', true);
      $('#description-text').prop('hidden', true);
      $('#description-error').prop('hidden', true);
      $ta.trigger('focus');
    });
    var close = function () {
      $form.prop('hidden', true);
      $('#description-text').prop('hidden', false);
      renderDescription();
    };
    $ta.on('input', count);
    $('#description-cancel').on('click', close);
    $form.on('keydown', function (ev) { if (ev.key === 'Escape') { ev.preventDefault(); close(); } });
    $form.on('submit', function (ev) {
      ev.preventDefault();
      var text = $ta.val().trim();
      if (Array.from(text).length > P.MAX_DESCRIPTION) {
        $('#description-error').text(P.errorText('304')).prop('hidden', false);
        return;
      }
      request(P.frame('R_CH_D', roomRef(), { m: { t: encodeURIComponent(text) } })).then(function () {
        close();
        $('#description-edit').trigger('focus');
      }, function (e) {
        $('#description-error').text(errorMessage(e)).prop('hidden', false);
      });
    });
  }

  // The one way a drawing is sent, from the pad or from a pasted image: store the PNG, then
  // post its reference (a reply or quote in progress goes with it).
  function sendDrawing(dataUrl) {
    if (!S.joined || !S.rId) return Promise.reject(new Error('Not connected — please wait for the connection and try again.'));
    var name = IC.drawing.newFileName();
    return IC.drawing.upload(name, S.rId, dataUrl).then(function () {
      var c = S.ctx.mode === 'new' ? S.ctx : { rU: null, rM: null };
      return request(P.textFrame('DM', roomRef(), 0, P.drawingText(name, S.rId), c.rU, c.rM));
    }).then(function () {
      if (S.ctx.mode === 'new') { S.ctx.rU = null; S.ctx.rM = null; renderContext(); }
    }, function (e) {
      throw (e instanceof Error ? e : new Error(errorMessage(e)));
    });
  }

  function bindDrawing() {
    var pad = null;
    $('#open-drawing').on('click', function () {
      IC.loadScript('drawing-pad').then(function () {
        if (!pad) pad = new IC.drawing.Pad(document.getElementById('drawing-dialog'), sendDrawing);
        pad.open();
      }, function (e) { IC.toast(e.message); });
    });
  }

  /* An image pasted into or dropped onto the composer: a preview, then Send or Cancel
     (IC.drawing.offerImage, drawing-pad.js, loaded on the first such image). */
  function bindImagePaste() {
    function imageFile(list) {
      for (var i = 0; list && i < list.length; i++) {
        var f = list[i].kind === 'file' ? list[i].getAsFile() : list[i];
        if (f && /^image\//.test(f.type || '')) return f;
      }
      return null;
    }

    function offer(file) {
      setComposerError('');
      IC.loadScript('drawing-pad').then(function () {
        IC.drawing.offerImage(file, { send: sendDrawing, error: setComposerError, $input: $input });
      }, function (e) { setComposerError(e.message); });
    }

    $input.on('paste', function (ev) {
      var cd = ev.originalEvent.clipboardData;
      var file = cd && (imageFile(cd.items) || imageFile(cd.files));
      if (!file) return; // text pastes as usual
      ev.preventDefault();
      offer(file);
    });
    var $composer = $('#composer');
    var hasFiles = function (ev) {
      var dt = ev.originalEvent.dataTransfer;
      return dt && Array.prototype.indexOf.call(dt.types || [], 'Files') !== -1;
    };
    $composer.on('dragover', function (ev) {
      if (!hasFiles(ev)) return;
      ev.preventDefault();
      $composer.addClass('is-drop-target');
    });
    $composer.on('dragleave drop', function () { $composer.removeClass('is-drop-target'); });
    $composer.on('drop', function (ev) {
      var dt = ev.originalEvent.dataTransfer;
      var file = dt && (imageFile(dt.files) || imageFile(dt.items));
      if (!file) return;
      ev.preventDefault();
      offer(file);
    });
  }

  // The picker (emoji.js) is loaded when first opened.
  function bindEmoji() {
    var picker = null;
    var $toggle = $('#emoji-toggle');
    $toggle.on('click', function () {
      if (picker && picker.isOpen()) { picker.close(true); $toggle.attr('aria-expanded', 'false'); return; }
      IC.loadScript('emoji').then(function () {
        if (!picker) {
          picker = new IC.EmojiPicker($('#emoji-picker'), function (emoji) {
            IC.insertAtCaret($input[0], emoji);
            picker.close();
          });
          picker.onClose = function () { $input.trigger('focus'); };
        }
        $toggle.attr('aria-expanded', 'true');
        picker.open();
      }, function (e) { IC.toast(e.message); });
    });
    $(document).on('mousedown', function (ev) {
      if (picker && picker.isOpen() && !$(ev.target).closest('#emoji-picker, #emoji-toggle').length) {
        picker.close();
        $('#emoji-toggle').attr('aria-expanded', 'false');
      }
    });
  }
  IC.roomComposer = {
    bind: function (kit) {
      S = kit.S;
      $input = kit.$input;
      userName = kit.userName;
      myName = kit.myName;
      request = kit.request;
      roomRef = kit.roomRef;
      errorMessage = kit.errorMessage;
      renderDescription = kit.renderDescription;
      closeSidePanels = kit.closeSidePanels;
      showConnBanner = kit.showConnBanner;
      bindMentions();
      bindComposer();
      bindRename();
      bindDescription();
      bindDrawing();
      bindImagePaste();
      bindEmoji();
    },
    cancelContext: cancelContext,
    send: sendComposer,
    startReply: startReply,
    startQuote: startQuote,
    startEdit: startEdit,
    renderContext: renderContext,
    renderIdentity: renderIdentity
  };
})(window);
