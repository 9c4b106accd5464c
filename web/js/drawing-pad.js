/* Drawings: the pad (plain canvas, pointer events), uploads, and images pasted or dropped into
   the composer. Loaded on first use by composer.js (IC.loadScript); drawing.js shows them. */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});
  var D = IC.drawing || (IC.drawing = {});

  var WIDTH = 960;
  var HEIGHT = 600;

  /* ---------- pad ---------- */

  function Pad(dialog, onSend) {
    this.dialog = dialog;
    this.$d = $(dialog);
    this.canvas = this.$d.find('canvas')[0];
    this.canvas.width = WIDTH;
    this.canvas.height = HEIGHT;
    this.ctx = this.canvas.getContext('2d');
    this.strokes = [];
    this.redoStack = [];
    this.current = null;
    this.erasing = false;
    this.onSend = onSend;
    this.bind();
    this.redraw();
  }

  Pad.prototype.color = function () { return this.$d.find('.pad-color').val() || '#1f2933'; };
  Pad.prototype.width = function () { return Number(this.$d.find('.pad-width').val()) || 4; };

  Pad.prototype.point = function (ev) {
    // The canvas is scaled by CSS; map from displayed pixels to the fixed drawing resolution.
    var r = this.canvas.getBoundingClientRect();
    return [(ev.clientX - r.left) * WIDTH / r.width, (ev.clientY - r.top) * HEIGHT / r.height];
  };

  Pad.prototype.strokeSegment = function (s, from, to) {
    var c = this.ctx;
    c.strokeStyle = s.erase ? '#ffffff' : s.color;
    c.fillStyle = c.strokeStyle;
    c.lineWidth = s.width;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    if (!from) {
      c.beginPath();
      c.arc(to[0], to[1], s.width / 2, 0, Math.PI * 2);
      c.fill();
      return;
    }
    c.beginPath();
    c.moveTo(from[0], from[1]);
    c.lineTo(to[0], to[1]);
    c.stroke();
  };

  // Strokes are replayed on a white sheet: the exported PNG is opaque and the eraser is simply
  // white paint, so drawings look the same on every theme.
  Pad.prototype.redraw = function () {
    var c = this.ctx;
    c.fillStyle = '#ffffff';
    c.fillRect(0, 0, WIDTH, HEIGHT);
    for (var i = 0; i < this.strokes.length; i++) {
      var s = this.strokes[i];
      for (var j = 0; j < s.points.length; j++) this.strokeSegment(s, s.points[j - 1], s.points[j]);
    }
    this.updateButtons();
  };

  Pad.prototype.updateButtons = function () {
    this.$d.find('.pad-undo').prop('disabled', this.strokes.length === 0);
    this.$d.find('.pad-redo').prop('disabled', this.redoStack.length === 0);
    this.$d.find('.pad-clear, .pad-send').prop('disabled', this.strokes.length === 0);
    this.$d.find('.pad-eraser').attr('aria-pressed', this.erasing ? 'true' : 'false');
    this.$d.find('.pad-pen').attr('aria-pressed', this.erasing ? 'false' : 'true');
  };

  Pad.prototype.undo = function () {
    if (!this.strokes.length) return;
    this.redoStack.push(this.strokes.pop());
    this.redraw();
  };

  Pad.prototype.redo = function () {
    if (!this.redoStack.length) return;
    this.strokes.push(this.redoStack.pop());
    this.redraw();
  };

  Pad.prototype.reset = function () {
    this.strokes = [];
    this.redoStack = [];
    this.redraw();
  };

  Pad.prototype.setError = function (text) {
    this.$d.find('.pad-error').text(text || '').prop('hidden', !text);
  };

  Pad.prototype.bind = function () {
    var self = this;
    var cv = this.canvas;
    cv.addEventListener('pointerdown', function (ev) {
      if (ev.button !== undefined && ev.button > 0) return;
      ev.preventDefault();
      cv.setPointerCapture(ev.pointerId);
      var p = self.point(ev);
      self.current = { color: self.color(), width: self.width() * (self.erasing ? 3 : 1), erase: self.erasing, points: [p] };
      self.strokeSegment(self.current, null, p);
    });
    cv.addEventListener('pointermove', function (ev) {
      if (!self.current) return;
      var p = self.point(ev);
      var pts = self.current.points;
      self.strokeSegment(self.current, pts[pts.length - 1], p);
      pts.push(p);
    });
    var finish = function () {
      if (!self.current) return;
      self.strokes.push(self.current);
      self.current = null;
      self.redoStack = [];
      self.updateButtons();
    };
    cv.addEventListener('pointerup', finish);
    cv.addEventListener('pointercancel', finish);

    this.$d.on('click', '.pad-pen', function () { self.erasing = false; self.updateButtons(); });
    this.$d.on('click', '.pad-eraser', function () { self.erasing = true; self.updateButtons(); });
    this.$d.on('click', '.pad-undo', function () { self.undo(); });
    this.$d.on('click', '.pad-redo', function () { self.redo(); });
    this.$d.on('click', '.pad-swatch', function () {
      self.$d.find('.pad-color').val($(this).attr('data-color'));
      self.erasing = false;
      self.updateButtons();
    });
    this.$d.on('input', '.pad-width', function () {
      self.$d.find('.pad-width-value').text($(this).val() + ' px');
    });
    this.$d.on('click', '.pad-clear', function () {
      IC.confirm('Clear the whole drawing? This cannot be undone.', 'Clear').then(function (ok) {
        if (ok) self.reset();
      });
    });
    this.$d.on('click', '.pad-close', function () { self.dialog.close(); });
    this.$d.on('keydown', function (ev) {
      var mod = ev.ctrlKey || ev.metaKey;
      if (mod && !ev.shiftKey && ev.key.toLowerCase() === 'z') { ev.preventDefault(); self.undo(); }
      if (mod && (ev.key.toLowerCase() === 'y' || (ev.shiftKey && ev.key.toLowerCase() === 'z'))) { ev.preventDefault(); self.redo(); }
    });
    this.$d.on('click', '.pad-send', function () {
      var $btn = $(this);
      self.setError('');
      $btn.prop('disabled', true).text('Sending…');
      Promise.resolve(self.onSend(cv.toDataURL('image/png'))).then(function () {
        self.reset();
        self.dialog.close();
      }, function (err) {
        self.setError((err && err.message) || 'The drawing could not be sent.');
      }).then(function () {
        $btn.text('Send drawing');
        self.updateButtons();
      });
    });
  };

  Pad.prototype.open = function () {
    this.setError('');
    this.dialog.showModal();
    this.updateButtons();
  };

  D.Pad = Pad;

  /* ---------- upload ---------- */

  D.newFileName = function () {
    return 'd' + Date.now().toString(36) + IC.randomId(10);
  };

  D.upload = function (fileName, prefix, dataUrl) {
    return new Promise(function (resolve, reject) {
      $.ajax({
        url: '/upload_text_file',
        method: 'POST',
        data: { file_name: fileName, file_group_prefix: prefix, file_content: dataUrl },
        timeout: 30000
      }).then(function () { resolve(); }, function (xhr) {
        var text = xhr && xhr.responseText ? String(xhr.responseText).slice(0, 200) : '';
        reject(new Error(text ? 'The drawing could not be stored: ' + text : 'The drawing could not be stored.'));
      });
    });
  };

  /* ---------- an image pasted or dropped into the composer ---------- */

  // The preview dialog for an image offered as a drawing: Send posts it with `how.send(dataUrl)`
  // (a promise), Cancel drops it; an image that cannot be used is told by `how.error(sentence)`.
  var paste = null;

  function pasteDialog(how) {
    if (paste) { paste.how = how; return paste; }
    var dlg = document.getElementById('paste-dialog');
    var $d = $(dlg);
    paste = { dlg: dlg, $d: $d, pending: null, how: how };
    var close = function () {
      paste.pending = null;
      if (dlg.open) dlg.close();
      $d.find('.paste-preview').removeAttr('src');
      paste.how.$input.trigger('focus');
    };
    $d.on('click', '.paste-cancel', close);
    $d.on('cancel', function (ev) { ev.preventDefault(); close(); });
    $d.on('click', '.paste-send', function () {
      if (!paste.pending) return;
      var $btn = $(this).prop('disabled', true).text('Sending…');
      paste.how.send(paste.pending).then(close, function (e) {
        $d.find('.paste-error').text(e.message || 'The drawing could not be sent.').prop('hidden', false);
        $btn.prop('disabled', false).text('Send drawing');
      });
    });
    return paste;
  }

  D.offerImage = function (file, how) {
    var p = pasteDialog(how);
    p.pending = null;
    D.fromImage(file).then(function (img) {
      var $d = p.$d;
      p.pending = img.dataUrl;
      $d.find('.paste-preview').attr('src', img.dataUrl);
      $d.find('.paste-note').text(img.width === img.sourceWidth && img.height === img.sourceHeight
        ? img.width + ' × ' + img.height + ' px. Everyone in the room will see it.'
        : 'Scaled down from ' + img.sourceWidth + ' × ' + img.sourceHeight + ' to ' + img.width + ' × ' +
          img.height + ' px to fit the drawing limits. Everyone in the room will see it.');
      $d.find('.paste-error').text('').prop('hidden', true);
      $d.find('.paste-send').prop('disabled', false).text('Send drawing');
      if (!p.dlg.open) p.dlg.showModal();
      $d.find('.paste-send').trigger('focus');
    }, function (e) {
      how.error(e.message);
    });
  };

  // The balancer's default drawing limits (--drawing-max-dimension, --drawing-max-bytes). It does
  // not advertise them; one configured lower refuses the upload with a sentence, shown as is.
  D.MAX_DIMENSION = 2048;
  D.MAX_BYTES = 1024 * 1024;
  // Larger files are not even decoded: a decoded 100-megapixel photo alone costs 400 MB.
  D.MAX_SOURCE_BYTES = 25 * 1024 * 1024;

  function dataUrlBytes(dataUrl) {
    var b64 = dataUrl.slice(dataUrl.indexOf(',') + 1);
    return Math.floor(b64.length * 3 / 4) - (b64.slice(-2) === '==' ? 2 : b64.slice(-1) === '=' ? 1 : 0);
  }

  function decode(blob) {
    if (global.createImageBitmap) return global.createImageBitmap(blob);
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(blob);
      var img = new Image();
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error('undecodable')); };
      img.src = url;
    });
  }

  /* An image file as a drawing: a PNG data URL within the drawing limits, on white like drawings
     from the pad. Resolves {dataUrl, width, height, sourceWidth, sourceHeight}; rejects with an
     Error whose message is a sentence for the user. */
  D.fromImage = function (blob) {
    if (!blob || !/^image\//.test(blob.type || '')) {
      return Promise.reject(new Error('Only images can be sent as a drawing.'));
    }
    if (blob.size > D.MAX_SOURCE_BYTES) {
      return Promise.reject(new Error('That image is too large (over ' + Math.round(D.MAX_SOURCE_BYTES / 1048576) + ' MB) to send.'));
    }
    return decode(blob).then(function (img) {
      var w0 = img.width;
      var h0 = img.height;
      if (!(w0 > 0 && h0 > 0)) throw new Error('That image is empty.');
      var scale = Math.min(1, D.MAX_DIMENSION / Math.max(w0, h0));
      // PNG size is not predictable: shrink until it fits, a few times at most.
      for (var attempt = 0; attempt < 6; attempt++) {
        var w = Math.max(1, Math.round(w0 * scale));
        var h = Math.max(1, Math.round(h0 * scale));
        var cv = document.createElement('canvas');
        cv.width = w;
        cv.height = h;
        var c = cv.getContext('2d');
        c.fillStyle = '#ffffff';
        c.fillRect(0, 0, w, h);
        c.drawImage(img, 0, 0, w, h);
        var dataUrl = cv.toDataURL('image/png');
        var bytes = dataUrlBytes(dataUrl);
        if (bytes <= D.MAX_BYTES) {
          if (img.close) img.close();
          return { dataUrl: dataUrl, width: w, height: h, sourceWidth: w0, sourceHeight: h0 };
        }
        scale *= Math.min(0.9, Math.sqrt(D.MAX_BYTES / bytes) * 0.95);
        if (Math.max(w, h) * scale < 64) break;
      }
      if (img.close) img.close();
      throw new Error('That image cannot be made small enough for a drawing (' +
        Math.round(D.MAX_BYTES / 1024) + ' KB at most).');
    }, function () {
      throw new Error('That file is not an image this browser can read.');
    });
  };
})(window);
