/* Light formatting of message text, exactly as docs/formatting.md defines it. The text is only
   ever put into text nodes; the elements (strong, em, code, pre, blockquote, a) are chosen here,
   never taken from the text. */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});
  var F = IC.format = {};

  var OPEN_FENCE = /^```[A-Za-z0-9_+#.-]{0,20} *$/;
  var CLOSE_FENCE = /^``` *$/;
  var WORD_CHAR = /[\p{L}\p{N}]/u;
  var SPACE = /\s/;

  function isWord(ch) { return !!ch && WORD_CHAR.test(ch); }
  function isSpace(ch) { return SPACE.test(ch); }

  /* Blocks of section 1: [{kind: 'code'|'quote'|'text', lines: [..]}]. */
  F.blocks = function (text) {
    var lines = String(text).split('\n').map(function (l) {
      return l.charAt(l.length - 1) === '\r' ? l.slice(0, -1) : l;
    });
    var blocks = [];
    function push(kind, line) {
      var last = blocks[blocks.length - 1];
      if (last && last.kind === kind && kind !== 'code') last.lines.push(line);
      else blocks.push({ kind: kind, lines: [line] });
    }
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      if (OPEN_FENCE.test(line)) {
        var end = -1;
        for (var j = i + 1; j < lines.length; j++) {
          if (CLOSE_FENCE.test(lines[j])) { end = j; break; }
        }
        if (end !== -1) {
          blocks.push({ kind: 'code', lines: lines.slice(i + 1, end) });
          i = end;
          continue;
        }
      }
      if (line === '>' || line.slice(0, 2) === '> ') push('quote', line.slice(2));
      else push('text', line);
    }
    return blocks;
  };

  /* Section 2.1 and the link half of 2.2: a line cut into atoms and plain text,
     [{kind: 'code'|'link'|'text', text}]. */
  F.atoms = function (line, findLinks) {
    var out = [];
    var textStart = 0;
    var i = 0;
    function plain(upTo) {
      if (upTo > textStart) out.push.apply(out, findLinks(line.slice(textStart, upTo)));
    }
    while (i < line.length) {
      if (line.charAt(i) !== '`') { i++; continue; }
      var n = 0;
      while (line.charAt(i + n) === '`') n++;
      var close = -1;
      for (var k = i + n; k < line.length;) {
        if (line.charAt(k) !== '`') { k++; continue; }
        var m = 0;
        while (line.charAt(k + m) === '`') m++;
        if (m === n) { close = k; break; }
        k += m;
      }
      if (close === -1) { i += n; continue; }
      plain(i);
      out.push({ kind: 'code', text: line.slice(i + n, close) });
      i = close + n;
      textStart = i;
    }
    plain(line.length);
    return out;
  };

  /* Emphasis over a sequence of atoms (section 2.2): a tree of
     {kind: 'strong'|'em', children} and atoms. Markers are searched in text atoms only, so
     spans hold whole atoms. */
  F.emphasis = function (atoms) {
    // Flatten to characters of text atoms and opaque atom slots to scan positions uniformly.
    var cells = [];
    atoms.forEach(function (a) {
      if (a.kind !== 'text') { cells.push(a); return; }
      for (var c = 0; c < a.text.length; c++) cells.push(a.text.charAt(c));
    });
    return build(cells, 0, cells.length);
  };

  function ch(cells, i) {
    var c = cells[i];
    return typeof c === 'string' ? c : (c ? '\uFFFC' : '');
  }

  function isSingle(cells, i, mark) {
    return ch(cells, i) === mark && ch(cells, i - 1) !== mark && ch(cells, i + 1) !== mark;
  }

  function opens(cells, i, len, from, to) {
    var after = i + len < to ? ch(cells, i + len) : '';
    var before = i > from ? ch(cells, i - 1) : '';
    return after !== '' && !isSpace(after) && !isWord(before);
  }

  function closes(cells, j, len, from, to) {
    var before = ch(cells, j - 1);
    var after = j + len < to ? ch(cells, j + len) : '';
    return !isSpace(before) && !isWord(after);
  }

  function findCloser(cells, start, to, mark, bold, from) {
    for (var j = start; j < to; j++) {
      if (bold) {
        if (ch(cells, j) === '*' && ch(cells, j + 1) === '*' && j + 1 < to && closes(cells, j, 2, from, to)) return j;
      } else if (isSingle(cells, j, mark) && closes(cells, j, 1, from, to)) {
        return j;
      }
    }
    return -1;
  }

  function build(cells, from, to) {
    var out = [];
    var text = '';
    function flush() { if (text) { out.push({ kind: 'text', text: text }); text = ''; } }
    for (var i = from; i < to; i++) {
      var c = cells[i];
      if (typeof c !== 'string') { flush(); out.push(c); continue; }
      if (c === '*' && ch(cells, i + 1) === '*' && i + 1 < to && opens(cells, i, 2, from, to)) {
        var endB = findCloser(cells, i + 3, to, '*', true, from);
        if (endB !== -1) {
          flush();
          out.push({ kind: 'strong', children: build(cells, i + 2, endB) });
          i = endB + 1;
          continue;
        }
      }
      if ((c === '*' || c === '_') && isSingle(cells, i, c) && opens(cells, i, 1, from, to)) {
        var endI = findCloser(cells, i + 2, to, c, false, from);
        if (endI !== -1) {
          flush();
          out.push({ kind: 'em', children: build(cells, i + 1, endI) });
          i = endI;
          continue;
        }
      }
      text += c;
    }
    flush();
    return out;
  }

  function el(tag, cls) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    return e;
  }

  function appendNodes(parent, nodes) {
    nodes.forEach(function (n) {
      if (n.kind === 'text') {
        parent.appendChild(document.createTextNode(n.text));
      } else if (n.kind === 'code') {
        var code = el('code', 'fmt-code');
        code.textContent = n.text;
        parent.appendChild(code);
      } else if (n.kind === 'link') {
        var a = el('a');
        a.href = n.text;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        a.textContent = n.text;
        parent.appendChild(a);
      } else {
        var span = el(n.kind);
        appendNodes(span, n.children);
        parent.appendChild(span);
      }
    });
  }

  function appendLine(parent, line, findLinks) {
    // Plain lines (most messages) skip the tree: nothing to format, same nodes as before.
    if (!/[`*_]/.test(line)) {
      appendNodes(parent, findLinks(line));
      return;
    }
    appendNodes(parent, F.emphasis(F.atoms(line, findLinks)));
  }

  /* Append `text` formatted to `container`. findLinks(plain) → atoms of kind 'text'/'link'. */
  F.append = function (container, text, findLinks) {
    var blocks = F.blocks(text);
    blocks.forEach(function (b) {
      if (b.kind === 'code') {
        var pre = el('pre', 'fmt-pre');
        var code = el('code');
        code.textContent = b.lines.join('\n');
        pre.appendChild(code);
        container.appendChild(pre);
        return;
      }
      var target = container;
      if (b.kind === 'quote') {
        target = el('blockquote', 'fmt-quote');
        container.appendChild(target);
      }
      b.lines.forEach(function (line, li) {
        if (li > 0) target.appendChild(document.createTextNode('\n'));
        appendLine(target, line, findLinks);
      });
    });
  };
})(window);
