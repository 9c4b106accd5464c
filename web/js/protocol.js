/* Wire protocol v1 (docs/protocol.md): frame building, parsing and the validation rules the
   server applies, so the UI can explain a problem before a round trip. */
(function (global) {
  'use strict';

  var IC = global.IC || (global.IC = {});
  var P = IC.protocol = {};

  P.NIL_UUID = '00000000-0000-0000-0000-000000000000';
  P.DRAWING_MARKER = '$#$meta_marker_is_drawing$#$';
  P.MAX_TEXT = 10000;
  P.MAX_DESCRIPTION = 400;
  P.MAX_USER_NAME = 80;
  P.KEEP_ALIVE_MS = 5000;

  P.RESERVED_ROOMS = ('metrics ctrl ctrl_rooms ctrl_command ws_entry hw dashboards about ' +
    'terms-of-service privacy-policy control_page_proxy favicon.ico connection-methods ' +
    'universal-access app-win app-win-version direct_retrieval direct_sending pick_backend static ' +
    'r s get_text_file upload_text_file get_url_preview healthz admin api internal sd robots.txt').split(' ');
  P.RESERVED_USERS = ['admin', 'administrator', 'moderator', 'system', 'external-user'];

  // Sentences for every ER code; the raw number stays out of the user's way.
  P.ERRORS = {
    '101': 'The server ran into a problem. Please try again.',
    '102': 'This connection is no longer the active one for this room.',
    '103': 'The server did not accept that input.',
    '201': 'A room with this name already exists.',
    '202': 'This room does not exist (any more).',
    '203': 'Wrong password for this room.',
    '204': 'That name is already taken in this room, or reserved. Please choose another one.',
    '205': 'Names must be between 1 and 80 characters long.',
    '206': 'You are not a member of this room (yet). Please rejoin.',
    '207': 'This message is too long: the limit is 10,000 characters.',
    '208': 'This room is full. Please try again later.',
    '209': 'This room was opened in another tab or window.',
    '301': 'Room names must be 3 to 100 characters long.',
    '302': 'This room name is reserved. Please pick another one.',
    '303': 'Room names may only contain letters, digits and ! @ $ * ( ) _ - , . ~ [ ]',
    '304': 'The description can be at most 400 characters long.',
    '429': 'You are sending too fast. Please wait a moment.'
  };

  P.errorText = function (code) {
    return P.ERRORS[String(code)] || ('The server reported an error (code ' + code + ').');
  };

  // The server canonicalises names by trimming and lower-casing; doing the same here keeps URLs,
  // recent-room entries and drafts keyed identically whatever the user typed.
  P.canonicalRoom = function (name) {
    return String(name || '').trim().toLowerCase();
  };

  // What the home form shows while the user types: lower-case, no leading blanks, blanks → '-'.
  P.normaliseRoomInput = function (value) {
    return String(value || '').toLowerCase().replace(/^\s+/, '').replace(/\s+/g, '-');
  };

  P.roomNameProblem = function (name) {
    var n = P.canonicalRoom(name);
    var len = Array.from(n).length;
    if (len === 0) return 'Please enter a room name.';
    if (len < 3 || len > 100) return 'Room names must be 3 to 100 characters long (now ' + len + ').';
    if (!/^[\p{L}\p{N}!@$*()_\-,.~\[\]]+$/u.test(n)) {
      return 'Only letters, digits and ! @ $ * ( ) _ - , . ~ [ ] are allowed in room names.';
    }
    if (P.RESERVED_ROOMS.indexOf(n) !== -1) return '“' + n + '” is reserved. Please pick another name.';
    return '';
  };

  P.userNameProblem = function (name) {
    var n = String(name || '').trim();
    if (n === '') return '';
    if (Array.from(n).length > P.MAX_USER_NAME) return 'Names can be at most 80 characters long.';
    if (P.RESERVED_USERS.indexOf(n.toLowerCase()) !== -1) return '“' + n + '” is reserved. Please choose another name.';
    return '';
  };

  var rqCounter = 0;
  P.nextRq = function () {
    rqCounter += 1;
    return 'w' + Date.now().toString(36) + '-' + rqCounter;
  };

  // Every command carries the room and a request id; the rest depends on the command.
  P.frame = function (code, room, extra) {
    var f = { c: code, rq: P.nextRq(), r: { n: room.name, p: room.password || '' } };
    if (extra) {
      for (var k in extra) {
        if (Object.prototype.hasOwnProperty.call(extra, k)) f[k] = extra[k];
      }
    }
    return f;
  };

  P.joinFrame = function (code, room, userName) {
    return P.frame(code, room, { uN: userName ? encodeURIComponent(userName) : '' });
  };

  P.textFrame = function (code, room, id, text, replyUser, replyMessage) {
    return P.frame(code, room, {
      m: {
        id: id || 0,
        t: encodeURIComponent(text),
        rU: replyUser || null,
        rM: replyMessage === undefined || replyMessage === null ? null : replyMessage
      }
    });
  };

  P.parse = function (data) {
    if (typeof data !== 'string') return null;
    try {
      var f = JSON.parse(data);
      return f && typeof f === 'object' && !Array.isArray(f) ? f : null;
    } catch (e) {
      return null;
    }
  };

  P.errorCode = function (frame) {
    var m = frame.m && frame.m[0];
    return m && m.t !== undefined ? String(m.t) : '101';
  };

  // Decoded text of a drawing message → {fileName, prefix}, or null for an ordinary text.
  P.drawingRef = function (decodedText) {
    if (typeof decodedText !== 'string' || decodedText.indexOf(P.DRAWING_MARKER) !== 0) return null;
    var rest = decodedText.slice(P.DRAWING_MARKER.length);
    var at = rest.lastIndexOf('@');
    if (at <= 0) return { fileName: '', prefix: '' };
    return { fileName: rest.slice(0, at), prefix: rest.slice(at + 1) };
  };

  P.drawingText = function (fileName, prefix) {
    return P.DRAWING_MARKER + fileName + '@' + prefix;
  };

  // Unix seconds (messages) vs nanoseconds (frames) are easy to mix up; keep both explicit.
  P.secondsToDate = function (s) { return new Date(Number(s) * 1000); };
  P.nanosToDate = function (ns) { return new Date(Number(ns) / 1e6); };
})(window);
