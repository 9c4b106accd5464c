// Server notices and awareness: version change, server status, message-cap notices (frames
// injected through a WebSocket route in front of the real server), notifications for mentions,
// hideable presence notices, keep-alive, scroll position across a reconnect.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launchBrowser, newUser, uniqueRoom, openRoom, waitJoined, sendMessage, card } from './stack.mjs';

let stack;
let browser;

before(async () => {
  stack = await startStack('awareness');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

// Pass every frame through unchanged, and let the test add frames "from the server".
async function withInjector(page) {
  const sockets = [];
  const sent = [];
  await page.routeWebSocket(/\/ws_entry$/, (ws) => {
    const server = ws.connectToServer();
    sockets.push(ws);
    ws.onMessage((m) => { sent.push(String(m)); server.send(m); });
    server.onMessage((m) => ws.send(m));
  });
  return {
    sent,
    inject: (frame) => sockets[sockets.length - 1].send(JSON.stringify(frame))
  };
}

test('new server version, server status and message-cap notices', async () => {
  const { page } = await newUser(browser);
  const inj = await withInjector(page);
  const room = uniqueRoom('notices');
  await openRoom(page, stack.base, room);
  for (const t of ['one', 'two', 'three', 'four']) await sendMessage(page, t);
  const S = await page.evaluate(() => ({ me: window.IC.room._state.me, bN: window.IC.room._state.bN }));
  assert.ok(S.bN, 'the join carried a build number');
  assert.equal(await page.locator('#version-banner').isHidden(), true);

  inj.inject({ c: 'R_M_CH', rU: [{ uId: S.me, n: 'x', an: true, o: true }], bN: S.bN + '-next' });
  await page.locator('#version-banner', { hasText: 'new version' }).waitFor();
  assert.equal(await page.locator('#version-banner .reload').count(), 1);
  assert.equal(await page.locator('#composer-input').isEnabled(), true, 'non-blocking');

  inj.inject({ c: 'R_CH_D', m: [{ t: '' }], rCuId: S.me, sS: 'restarting' });
  await page.locator('#status-banner', { hasText: 'restarting' }).waitFor();
  await page.waitForTimeout(1000);
  assert.equal(await page.locator('#status-banner').isVisible(), true, 'sticky');
  inj.inject({ c: 'R_CH_D', m: [{ t: '' }], rCuId: S.me, sS: 'online' });
  await page.locator('#status-banner').waitFor({ state: 'hidden' });

  inj.inject({ c: 'N_M_LIMIT_A', m: [{}], cAt: Date.now() * 1e6 });
  await page.locator('.notice', { hasText: 'holds 4 of its 1000 messages' }).waitFor();
  const firstId = Number(await card(page, 'one').getAttribute('data-id'));
  inj.inject({ c: 'N_M_LIMIT_R', m: [{ t: String(firstId + 2) }], cAt: Date.now() * 1e6 });
  await page.locator('.notice', { hasText: 'were removed' }).waitFor();
  assert.equal(await page.locator('.msg-body', { hasText: /^(one|two)$/ }).count(), 0, 'dropped ids are gone');
  assert.equal(await card(page, 'three').count(), 1);
  // The removal notice stands above the oldest message kept, not at the bottom.
  const order = await page.evaluate(() => {
    const items = [...document.querySelectorAll('#stream-list > *')];
    const removed = items.findIndex((el) => el.textContent.includes('were removed'));
    const three = items.findIndex((el) => el.querySelector && el.querySelector('.msg-body') && el.textContent.includes('three'));
    return { removed, three };
  });
  assert.ok(order.removed >= 0 && order.removed < order.three, `removal notice at ${order.removed}, first kept message at ${order.three}`);

  // Keep-alive frames go out every 5 s.
  const before = inj.sent.filter((f) => f === '{"kA":"OK"}').length;
  await page.waitForTimeout(11000);
  const after = inj.sent.filter((f) => f === '{"kA":"OK"}').length;
  assert.ok(after - before >= 2, `keep-alives in 11 s: ${after - before}`);
  assert.equal(JSON.parse(inj.sent[0]).p, 'unknown', 'first frame is the init frame');
});

test('mentions notify (when enabled) and are highlighted; presence notices can be hidden', async () => {
  const room = uniqueRoom('mention');
  const alice = await newUser(browser);
  const bob = await newUser(browser);
  await bob.context.grantPermissions(['notifications'], { origin: stack.base });
  // Record notifications instead of showing them.
  await bob.page.addInitScript(() => {
    window.__notes = [];
    window.Notification = class {
      constructor(title, opts) { window.__notes.push({ title, body: opts && opts.body }); }
      close() {}
      static get permission() { return 'granted'; }
      static requestPermission() { return Promise.resolve('granted'); }
    };
  });
  await openRoom(alice.page, stack.base, room);
  await openRoom(bob.page, stack.base, room);
  await bob.page.locator('#set-notify').check();
  await bob.page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await sendMessage(alice.page, 'not for bob specifically');
  const bobUid = await bob.page.evaluate(() => window.IC.room._state.me);
  await alice.page.locator(`#user-list .user[data-uid="${bobUid}"] .user-pick`).click();
  await sendMessage(alice.page, 'bob, look at this');
  await card(bob.page, 'bob, look at this').waitFor();
  const notes = await bob.page.evaluate(() => window.__notes);
  assert.equal(notes.length, 1, 'only the mention notifies by default: ' + JSON.stringify(notes));
  assert.match(notes[0].title, /mentioned you/);
  assert.equal(notes[0].body, 'bob, look at this');
  assert.ok(await card(bob.page, 'bob, look at this').evaluate((el) => el.classList.contains('is-mention')));

  // Presence notices are shown by default and can be hidden.
  const carol = await newUser(browser);
  await openRoom(carol.page, stack.base, room);
  const notice = alice.page.locator('.notice-presence', { hasText: 'joined' }).last();
  await notice.waitFor();
  await alice.page.locator('#set-notices').uncheck();
  assert.equal(await notice.isVisible(), false);
  await alice.page.reload();
  await waitJoined(alice.page);
  assert.equal(await alice.page.locator('#set-notices').isChecked(), false, 'setting kept');
  for (const u of [alice, bob, carol]) await u.context.close();
});

test('a dropped connection reconnects and keeps the reading position', async () => {
  const room = uniqueRoom('scrollpos');
  const { page, context } = await newUser(browser);
  await openRoom(page, stack.base, room);
  for (let i = 0; i < 30; i++) {
    await fetch(`${stack.base}/s/${room}?m=${encodeURIComponent('line ' + i)}`);
  }
  await card(page, 'line 29').waitFor();
  await card(page, 'line 10').scrollIntoViewIfNeeded();
  await page.locator('#stream').hover();
  await page.mouse.wheel(0, -200);
  // The wheel may still be scrolling: the position to keep is the one it comes to rest at.
  await page.waitForFunction(() => new Promise((resolve) => {
    const stream = document.getElementById('stream');
    const at = stream.scrollTop;
    setTimeout(() => resolve(stream.scrollTop === at), 250);
  }), null, { polling: 100 });
  // The card at the top of the stream and how far its top is from the stream's top. Scroll
  // positions are whole pixels, so a card that ends within a pixel of the top may count as the
  // one above or below it: what is kept is that card's position, not which card is first.
  const topCard = () => page.evaluate(() => {
    const top = document.getElementById('stream').getBoundingClientRect().top;
    const c = [...document.querySelectorAll('#stream .msg')].find((el) => el.getBoundingClientRect().bottom > top);
    return c && { id: c.id, offset: c.getBoundingClientRect().top - top };
  });
  const offsetOf = (id) => page.evaluate((cardId) => {
    const card = document.getElementById(cardId);
    return card ? card.getBoundingClientRect().top - document.getElementById('stream').getBoundingClientRect().top : NaN;
  }, id);
  const before = await topCard();
  assert.ok(before && before.id !== 'msg-1', 'scrolled into the middle: ' + JSON.stringify(before));
  await page.evaluate(() => window.IC.room._state.conn.ws.close());
  await page.waitForFunction(() => !window.IC.room._state.joined);
  await waitJoined(page, 30000);
  // The rejoin redraws the list and the "disconnected" bar goes away: the layout settles over a
  // few frames, so the position is read until it holds (or the last reading is reported).
  const kept = (offset) => Math.abs(offset - before.offset) <= 2;
  let after = await offsetOf(before.id);
  for (let i = 0; i < 25 && !kept(after); i++) {
    await page.waitForTimeout(200);
    after = await offsetOf(before.id);
  }
  assert.ok(kept(after), `${before.id} was ${before.offset.toFixed(1)} px from the top, now ${after.toFixed(1)} px`);
  await context.close();
});

test('every button has an accessible name and message actions are keyboard reachable', async () => {
  const { page, context } = await newUser(browser, { viewport: { width: 390, height: 844 } });
  await openRoom(page, stack.base, uniqueRoom('a11y'));
  await sendMessage(page, 'keyboard user');
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('button')]
    .filter((b) => b.offsetParent !== null)
    .filter((b) => !(b.getAttribute('aria-label') || b.textContent).trim())
    .map((b) => b.outerHTML.slice(0, 80)));
  assert.deepEqual(unnamed, []);
  // Tab from the message card reaches its action buttons.
  await card(page, 'keyboard user').locator('.msg-id').focus();
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement.className + ' ' + document.activeElement.textContent);
  assert.match(focused, /act-reply/);
  // Fully visible while focused (after the short fade).
  await page.waitForFunction(() => getComputedStyle(document.activeElement.parentElement).opacity === '1');
  // The viewport allows pinch-zoom.
  const viewport = await page.getAttribute('meta[name=viewport]', 'content');
  assert.doesNotMatch(viewport, /user-scalable=no|maximum-scale=1/);
  await context.close();
});

test('on a touch phone Enter makes a new line and the button sends', async () => {
  const browserContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await browserContext.newPage();
  await openRoom(page, stack.base, uniqueRoom('touch'));
  assert.ok(await page.evaluate(() => matchMedia('(pointer: coarse)').matches), 'emulated touch device');
  await page.fill('#composer-input', 'first');
  await page.press('#composer-input', 'Enter');
  await page.locator('#composer-input').pressSequentially('second');
  assert.equal(await page.inputValue('#composer-input'), 'first\nsecond');
  await page.tap('#composer-submit');
  await page.locator('.msg-body', { hasText: 'second' }).waitFor();
  assert.equal(await page.inputValue('#composer-input'), '');
  await browserContext.close();
});

test('a server error keeps the composer text and says why', async () => {
  const { page, context } = await newUser(browser);
  await openRoom(page, stack.base, uniqueRoom('toolong'));
  // 10,000 emoji pass the character limit but make a frame over 64 KiB: the server says 207.
  const text = '😀'.repeat(10000);
  await page.fill('#composer-input', text);
  await page.press('#composer-input', 'Enter');
  await page.locator('#composer-error', { hasText: 'too long' }).waitFor({ timeout: 30000 });
  assert.equal(await page.inputValue('#composer-input'), text);
  assert.equal(await page.locator('.msg').count(), 0);
  await context.close();
});
