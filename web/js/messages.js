/* Rendering of the message stream. Everything user-supplied goes through text nodes or
   .text(); links are built as elements, never by concatenating HTML. */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});
  var P = IC.protocol;
  var M = IC.messages = {};

  var GROUP_WINDOW_S = 5 * 60;
  var TRAILING_PUNCT = /[.,;:!?'"»”’…]$/;
  var URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
  // A message of one emoji (incl. skin tones, flags and ZWJ sequences) is shown enlarged.
  var SINGLE_EMOJI_RE = /^(?:\p{Regional_Indicator}{2}|\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?(?:\u200D\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})?)*)$/u;

  function count(s, ch) { return s.split(ch).length - 1; }

  // People end sentences with links: "see https://x.org/a." must not link the dot, but
  // "https://en.wikipedia.org/wiki/Foo_(bar)" keeps its balanced closing parenthesis.
  M.trimUrl = function (url) {
    var pairs = { ')': '(', ']': '[', '}': '{' };
    for (;;) {
      var last = url.charAt(url.length - 1);
      if (TRAILING_PUNCT.test(last)) {
        url = url.slice(0, -1);
      } else if (pairs[last] && count(url, last) > count(url, pairs[last])) {
        url = url.slice(0, -1);
      } else {
        break;
      }
    }
    return url;
  };

  // Append text to a container, turning http(s) URLs into safe links.
  M.appendRichText = function (container, text) {
    var pos = 0;
    var match;
    URL_RE.lastIndex = 0;
    while ((match = URL_RE.exec(text)) !== null) {
      var url = M.trimUrl(match[0]);
      if (url.length < 'http://x'.length) continue;
      if (match.index > pos) container.appendChild(document.createTextNode(text.slice(pos, match.index)));
      var a = document.createElement('a');
      a.href = url;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      a.textContent = url;
      container.appendChild(a);
      pos = match.index + url.length;
      URL_RE.lastIndex = pos;
    }
    if (pos < text.length) container.appendChild(document.createTextNode(text.slice(pos)));
  };

  M.isSingleEmoji = function (text) {
    return SINGLE_EMOJI_RE.test(String(text).trim());
  };

  M.snippet = function (text, n) {
    var chars = Array.from(String(text).replace(/\s+/g, ' ').trim());
    return chars.length > n ? chars.slice(0, n).join('') + '…' : chars.join('');
  };

  // What a message says in plain words: used for quotes, search, picks and the text export.
  M.plainText = function (msg) {
    if (msg.deleted) return '(deleted)';
    var decoded = IC.decode(msg.t);
    return P.drawingRef(decoded) ? '[drawing]' : decoded;
  };

  function tag(text, cls, title) {
    return $('<span class="tag"></span>').addClass(cls).text(text).attr('title', title || null);
  }

  function button(label, cls, aria) {
    return $('<button type="button" class="act"></button>').addClass(cls).text(label).attr('aria-label', aria || null);
  }

  function visuallyHidden(text) {
    return $('<span class="visually-hidden"></span>').text(text);
  }

  M.dayKey = function (msg) {
    var d = P.secondsToDate(msg.cAt);
    return d.getFullYear() + '-' + d.getMonth() + '-' + d.getDate();
  };

  M.daySeparator = function (msg) {
    var d = P.secondsToDate(msg.cAt);
    return $('<div class="day-sep" role="separator"></div>')
      .attr('data-day', M.dayKey(msg))
      .append($('<span></span>').text(IC.formatDay(d)));
  };

  // A card continues its author's group when the previous card is theirs, recent, same day.
  M.continuesGroup = function (prev, msg) {
    return !!prev && !prev.deleted && !msg.deleted && prev.uId === msg.uId &&
      M.dayKey(prev) === M.dayKey(msg) && Math.abs(msg.cAt - prev.cAt) < GROUP_WINDOW_S &&
      !msg.rU && !msg.rM;
  };

  /* ctx: { me, creator, userName(uId) → {name, anon}, message(id) → msg|undefined,
            isMention(msg) → bool, drawing(ref, $holder) } */
  M.render = function (msg, prev, ctx) {
    var mine = msg.uId === ctx.me;
    var author = ctx.userName(msg.uId);
    var $card = $('<article class="msg"></article>')
      .attr({ id: 'msg-' + msg.id, 'data-id': msg.id, 'data-uid': msg.uId, tabindex: '-1' });
    if (mine) $card.addClass('is-mine');
    if (M.continuesGroup(prev, msg)) $card.addClass('is-grouped');

    var $head = $('<header class="msg-head"></header>');
    var $author = $('<span class="msg-author"></span>').text(author.name);
    $head.append($author);
    if (author.anon) $head.append(tag('anon', 'tag-anon', 'Randomly assigned name'));
    if (msg.uId === ctx.creator && msg.uId !== P.NIL_UUID) $head.append(tag('creator', 'tag-creator', 'Created this room'));
    if (msg.uId === P.NIL_UUID) $head.append(tag('via HTTP', 'tag-http', 'Sent with the plain HTTP API'));
    if (mine) $head.append(tag('you', 'tag-you'));
    var when = P.secondsToDate(msg.cAt);
    $head.append($('<a class="msg-id"></a>').attr('href', '#msg-' + msg.id).text('#' + msg.id));
    $head.append($('<time class="msg-time"></time>').attr({ datetime: when.toISOString(), title: when.toLocaleString() })
      .text(IC.formatTime(when)));
    if (msg.lE && !msg.deleted) $head.append($('<span class="msg-edited"></span>').text('(edited)'));
    $card.append($head);

    if (msg.deleted) {
      $card.addClass('is-deleted');
      $card.append($('<p class="msg-body msg-placeholder"></p>').text('This message was deleted.'));
      return $card;
    }

    var mention = ctx.isMention(msg);
    if (mention) {
      $card.addClass('is-mention');
      $head.append(tag('mentions you', 'tag-mention'));
    }

    if (msg.rM !== undefined && msg.rM !== null) {
      var quoted = ctx.message(msg.rM);
      var $q = $('<button type="button" class="msg-quote"></button>').attr('data-target', msg.rM);
      $q.append($('<span class="quote-ref"></span>').text('>> #' + msg.rM));
      if (quoted && !quoted.deleted) {
        $q.append(' ', $('<span class="quote-author"></span>').text(ctx.userName(quoted.uId).name + ':'));
        $q.append(' ', $('<span class="quote-text"></span>').text(M.snippet(M.plainText(quoted), 30)));
        $q.attr('aria-label', 'Quote of message ' + msg.rM + ' — jump to it');
      } else {
        $q.addClass('is-unavailable').prop('disabled', true);
        $q.append(' ', $('<span class="quote-text"></span>').text('message unavailable'));
      }
      $card.append($q);
    } else if (msg.rU) {
      $card.append($('<p class="msg-reply"></p>')
        .append($('<span aria-hidden="true">↪ </span>'))
        .append(document.createTextNode('to '))
        .append($('<strong></strong>').text('@' + ctx.userName(msg.rU).name)));
    }

    var text = IC.decode(msg.t);
    var ref = P.drawingRef(text);
    var $body = $('<div class="msg-body"></div>');
    if (ref) {
      $body.addClass('msg-drawing');
      ctx.drawing(ref, $body, msg);
    } else {
      if (M.isSingleEmoji(text)) $body.addClass('is-emoji');
      M.appendRichText($body[0], text);
    }
    $card.append($body);

    var $actions = $('<div class="msg-actions"></div>').attr('aria-label', 'Actions for message ' + msg.id).attr('role', 'group');
    $actions.append(button('Reply', 'act-reply', 'Reply to ' + author.name));
    $actions.append(button('Quote', 'act-quote', 'Quote message ' + msg.id));
    var canVote = !mine || ctx.me === ctx.creator;
    var $sup = button('', 'act-support').append($('<span aria-hidden="true">▲ </span>'))
      .append(document.createTextNode(mine ? 'Pin ' : 'Support ')).append($('<span class="n"></span>').text(msg.sC || 0));
    var $rej = button('', 'act-reject').append($('<span aria-hidden="true">▼ </span>'))
      .append(document.createTextNode('Reject ')).append($('<span class="n"></span>').text(msg.rC || 0));
    if (canVote) {
      $actions.append($sup, $rej);
    } else if ((msg.sC || 0) + (msg.rC || 0) > 0) {
      $actions.append($('<span class="vote-tally"></span>').text('support ' + (msg.sC || 0) + ' · reject ' + (msg.rC || 0)));
    }
    if (mine) {
      if (!ref) $actions.append(button('Edit', 'act-edit', 'Edit message ' + msg.id));
      $actions.append(button('Delete', 'act-delete', 'Delete message ' + msg.id));
    }
    $card.append($actions);
    return $card;
  };

  M.notice = function (text, kind) {
    return $('<div class="notice"></div>').addClass('notice-' + (kind || 'info')).attr('role', 'note')
      .append(visuallyHidden('Notice: ')).append($('<span></span>').text(text));
  };
})(window);
