/* Showing stored drawings in the stream. The pad, uploads and pasted images are in
   drawing-pad.js, loaded when first needed (IC.loadScript): most visits never draw. */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});
  var D = IC.drawing || (IC.drawing = {});

  var PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/;

  /* ---------- showing ---------- */

  var cache = {};

  D.load = function (ref) {
    var key = ref.prefix + '/' + ref.fileName;
    if (!cache[key]) {
      cache[key] = new Promise(function (resolve, reject) {
        if (!ref.fileName || !ref.prefix) { reject(new Error('bad reference')); return; }
        $.ajax({
          url: '/get_text_file',
          data: { file_name: ref.fileName, file_group_prefix: ref.prefix },
          dataType: 'text',
          timeout: 20000
        }).then(function (text) {
          text = String(text || '').trim();
          // Only a PNG data URL may become an image source; anything else is treated as missing.
          if (PNG_DATA_URL.test(text)) resolve(text); else reject(new Error('not a PNG'));
        }, function () { reject(new Error('missing')); });
      });
      cache[key].catch(function () { delete cache[key]; });
    }
    return cache[key];
  };

  D.fill = function (ref, $holder, msg) {
    var label = 'Drawing #' + msg.id;
    var $loading = $('<div class="drawing-loading"></div>').text('Loading drawing…');
    $holder.empty().append($loading);
    D.load(ref).then(function (dataUrl) {
      var $thumb = $('<button type="button" class="drawing-thumb"></button>').attr('aria-label', label + ' — view full size');
      $thumb.append($('<img alt="">').attr({ src: dataUrl, alt: label }));
      var $dl = $('<a class="drawing-download act"></a>')
        .attr({ href: dataUrl, download: 'drawing-' + msg.id + '.png' })
        .text('Download PNG');
      $holder.empty().append($thumb, $dl);
    }, function () {
      $holder.empty().append($('<div class="drawing-missing" role="img"></div>')
        .attr('aria-label', 'Drawing unavailable')
        .append($('<span aria-hidden="true">🖼 </span>'))
        .append(document.createTextNode('Drawing unavailable (it may have expired).')));
    });
  };
})(window);
