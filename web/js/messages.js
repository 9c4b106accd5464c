/* Rendering of the message stream. Everything user-supplied goes through text nodes or
   .text(); links are built as elements, never by concatenating HTML. */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});
  var P = IC.protocol;
  var M = IC.messages = {};

  var GROUP_WINDOW_S = 5 * 60;
  // '*' too: "**https://x.org**" is a bold link (docs/formatting.md), not a link ending in "**".
  var TRAILING_PUNCT = /[.,;:!?'"»”’…*]$/;
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

  // Plain text cut into text and link atoms (http(s) URLs), for IC.format.
  M.linkAtoms = function (text) {
    var out = [];
    var pos = 0;
    var match;
    URL_RE.lastIndex = 0;
    while ((match = URL_RE.exec(text)) !== null) {
      var url = M.trimUrl(match[0]);
      if (url.length < 'http://x'.length) continue;
      if (match.index > pos) out.push({ kind: 'text', text: text.slice(pos, match.index) });
      out.push({ kind: 'link', text: url });
      pos = match.index + url.length;
      URL_RE.lastIndex = pos;
    }
    if (pos < text.length) out.push({ kind: 'text', text: text.slice(pos) });
    return out;
  };

  // Append message text to a container: light formatting (docs/formatting.md) and safe links.
  M.appendRichText = function (container, text) {
    IC.format.append(container, text, M.linkAtoms);
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

  function visuallyHidden(text) {
    return $('<span class="visually-hidden"></span>').text(text);
  }

  // The tooltip of a card's time, made on demand (see M.render).
  M.fillTimeTitle = function (time) {
    if (time.title || !time.getAttribute('datetime')) return;
    time.title = IC.formatFull(new Date(time.getAttribute('datetime')));
  };

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

  // Cards are built with plain DOM calls: a room renders up to 1,000 of them at once, and
  // jQuery's HTML-string parsing costs about ten times as much per element.
  function el(tagName, cls, text) {
    var e = document.createElement(tagName);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function tagEl(text, cls, title) {
    var e = el('span', 'tag ' + cls, text);
    if (title) e.title = title;
    return e;
  }

  // Action buttons are out of the Tab order until focus enters their message (room-list.js):
  // one Tab stop per message instead of five to seven.
  function buttonEl(label, cls, aria) {
    var b = el('button', 'act ' + cls, label);
    b.type = 'button';
    b.tabIndex = -1;
    if (aria) b.setAttribute('aria-label', aria);
    return b;
  }

  // `mine`: this browser's own vote is this one (shown pressed; pressing again withdraws it).
  // `title`: who voted this way (M.voteTitle), as the tooltip; user names, so text only.
  function voteButton(cls, arrow, label, n, mine, title) {
    var b = buttonEl('', cls);
    var a = el('span', '', arrow);
    a.setAttribute('aria-hidden', 'true');
    b.append(a, label, el('span', 'n', String(n)));
    b.setAttribute('aria-pressed', mine ? 'true' : 'false');
    if (mine) b.classList.add('is-voted');
    if (title) b.title = title;
    return b;
  }

  function listNames(names, more) {
    if (more > 0) return names.join(', ') + ' and ' + more + ' more';
    if (names.length < 2) return names.join('');
    return names.slice(0, -1).join(', ') + ' and ' + names[names.length - 1];
  }

  /* The tooltip of a vote button: who voted this way. `side`: 'support' or 'reject'; `pin`: the
     creator's own message, where support is a pin. ctx.voters(id) → {s: [uId], r: [uId]} from
     pv 2 frames (docs/protocol.md §7.3; at most 10 a side, the count says how many in all), or
     undefined when the server did not say; ctx.myVote(id) is this browser's own vote. */
  M.voteTitle = function (msg, side, pin, ctx) {
    var count = (side === 'support' ? msg.sC : msg.rC) || 0;
    var mine = (ctx.myVote ? ctx.myVote(msg.id) : '') === side;
    var known = ctx.voters ? ctx.voters(msg.id) : null;
    var ids = known ? (side === 'support' ? known.s : known.r) || [] : [];
    var names = [];
    var me = mine;
    ids.forEach(function (uId) {
      if (uId === ctx.me) { me = true; return; }
      var who = ctx.userName(uId);
      if (who && who.name && who.name !== 'unknown user') names.push(who.name);
    });
    if (me) names.unshift('you');
    var more = Math.max(0, count - names.length);
    var verb = side === 'reject' ? 'Rejected' : pin ? 'Pinned' : 'Supported';
    if (me && names.length === 1 && more === 0) {
      var own = side === 'reject' ? 'You reject this' : pin ? 'You pinned this' : 'You support this';
      return mine ? own + ' — press again to withdraw your vote' : own;
    }
    if (!names.length) return '';
    return verb + ' by ' + listNames(names, more) + (mine ? ' — press again to withdraw your vote' : '');
  };

  // The same for the counts shown on one's own message (no buttons there).
  M.tallyTitle = function (msg, ctx) {
    return [M.voteTitle(msg, 'support', false, ctx), M.voteTitle(msg, 'reject', false, ctx)]
      .filter(function (t) { return t; }).join(' · ');
  };

  /* ctx: { me, creator, userName(uId) → {name, anon}, message(id) → msg|undefined,
            isMention(msg) → bool, drawing(ref, $holder), myVote(id) → 'support'|'reject'|'',
            voters(id) → {s, r} | undefined } */
  M.render = function (msg, prev, ctx) {
    var mine = msg.uId === ctx.me;
    var author = ctx.userName(msg.uId);
    var card = el('article', 'msg');
    card.id = 'msg-' + msg.id;
    card.setAttribute('data-id', msg.id);
    card.setAttribute('data-uid', msg.uId);
    card.tabIndex = -1;
    if (mine) card.classList.add('is-mine');
    if (M.continuesGroup(prev, msg)) card.classList.add('is-grouped');

    var head = el('header', 'msg-head');
    head.append(el('span', 'msg-author', author.name));
    if (author.anon) head.append(tagEl('anon', 'tag-anon', 'Randomly assigned name'));
    if (msg.uId === ctx.creator && msg.uId !== P.NIL_UUID) head.append(tagEl('creator', 'tag-creator', 'Created this room'));
    if (msg.uId === P.NIL_UUID) head.append(tagEl('via HTTP', 'tag-http', 'Sent with the plain HTTP API'));
    if (mine) head.append(tagEl('you', 'tag-you'));
    var when = P.secondsToDate(msg.cAt);
    var idLink = el('a', 'msg-id', '#' + msg.id);
    idLink.setAttribute('href', '#msg-' + msg.id);
    var time = el('time', 'msg-time', IC.formatTime(when));
    time.setAttribute('datetime', when.toISOString());
    // Its full date and time (a title) is filled in when pointed at or focused (room-list.js):
    // the first date formatter costs 10-60 ms to create, on the critical path of a room's load.
    head.append(idLink, time);
    if (msg.lE && !msg.deleted) head.append(el('span', 'msg-edited', '(edited)'));
    card.append(head);

    if (msg.deleted) {
      card.classList.add('is-deleted');
      card.append(el('p', 'msg-body msg-placeholder', 'This message was deleted.'));
      return $(card);
    }

    if (ctx.isMention(msg)) {
      card.classList.add('is-mention');
      head.append(tagEl('mentions you', 'tag-mention'));
    }

    if (msg.rM !== undefined && msg.rM !== null) {
      var quoted = ctx.message(msg.rM);
      var q = el('button', 'msg-quote');
      q.type = 'button';
      q.setAttribute('data-target', msg.rM);
      q.append(el('span', 'quote-ref', '>> #' + msg.rM));
      if (quoted && !quoted.deleted) {
        q.append(' ', el('span', 'quote-author', ctx.userName(quoted.uId).name + ':'));
        q.append(' ', el('span', 'quote-text', M.snippet(M.plainText(quoted), 30)));
        q.setAttribute('aria-label', 'Quote of message ' + msg.rM + ' — jump to it');
      } else {
        q.classList.add('is-unavailable');
        q.disabled = true;
        q.append(' ', el('span', 'quote-text', 'message unavailable'));
      }
      card.append(q);
    } else if (msg.rU) {
      var reply = el('p', 'msg-reply');
      var arrow = el('span', '', '↪ ');
      arrow.setAttribute('aria-hidden', 'true');
      reply.append(arrow, 'to ', el('strong', '', '@' + ctx.userName(msg.rU).name));
      card.append(reply);
    }

    var text = IC.decode(msg.t);
    var ref = P.drawingRef(text);
    var body = el('div', 'msg-body');
    if (ref) {
      body.classList.add('msg-drawing');
      ctx.drawing(ref, $(body), msg);
    } else {
      if (M.isSingleEmoji(text)) body.classList.add('is-emoji');
      M.appendRichText(body, text);
    }
    card.append(body);

    var actions = el('div', 'msg-actions');
    actions.setAttribute('aria-label', 'Actions for message ' + msg.id);
    actions.setAttribute('role', 'group');
    actions.append(buttonEl('Reply', 'act-reply', 'Reply to ' + author.name));
    actions.append(buttonEl('Quote', 'act-quote', 'Quote message ' + msg.id));
    var canVote = !mine || ctx.me === ctx.creator;
    if (canVote) {
      var myVote = ctx.myVote ? ctx.myVote(msg.id) : '';
      var voted = (msg.sC || 0) + (msg.rC || 0) > 0 || myVote;
      actions.append(
        voteButton('act-support', '▲ ', mine ? 'Pin ' : 'Support ', msg.sC || 0, myVote === 'support',
          voted ? M.voteTitle(msg, 'support', mine, ctx) : ''),
        voteButton('act-reject', '▼ ', 'Reject ', msg.rC || 0, myVote === 'reject',
          voted ? M.voteTitle(msg, 'reject', mine, ctx) : ''));
    } else if ((msg.sC || 0) + (msg.rC || 0) > 0) {
      var tally = el('span', 'vote-tally', 'support ' + (msg.sC || 0) + ' · reject ' + (msg.rC || 0));
      var who = M.tallyTitle(msg, ctx);
      if (who) tally.title = who;
      actions.append(tally);
    }
    if (mine) {
      if (!ref) actions.append(buttonEl('Edit', 'act-edit', 'Edit message ' + msg.id));
      actions.append(buttonEl('Delete', 'act-delete', 'Delete message ' + msg.id));
    }
    card.append(actions);
    return $(card);
  };

  M.notice = function (text, kind) {
    return $('<div class="notice"></div>').addClass('notice-' + (kind || 'info')).attr('role', 'note')
      .append(visuallyHidden('Notice: ')).append($('<span></span>').text(text));
  };
})(window);
