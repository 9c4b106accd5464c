// Coming back after the room's server went away: close 1012 ("room moved") reconnects at once
// and rejoins join-only with the same name; a server restart that lost the room shows a notice
// instead of re-creating it; re-creating asks (and asks for the password of a password room);
// an unacknowledged message is sent again once, an acknowledged one never.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startStack, launchBrowser, newUser, uniqueRoom, openRoom, waitJoined, sendMessage, card } from './stack.mjs';

let stack;
let browser;

before(async () => {
  stack = await startStack('rejoin');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

const state = (page, key) => page.evaluate((k) => window.IC.room._state[k], key);
const myName = (page) => page.evaluate(() => {
  const S = window.IC.room._state;
  return decodeURIComponent(S.users[S.me].n);
});

// Does the (freshly restarted) room server hold the room? It holds no other, so its room gauge
// says it; reading the room itself would create it.
async function roomExists() {
  const text = await (await fetch(`http://127.0.0.1:${stack.sport}/metrics`)).text();
  const m = text.match(/^instantchat_rooms (\d+)/m);
  assert.ok(m, 'the server reports its rooms');
  return Number(m[1]) > 0;
}

async function restartServer() {
  await stack.stopServer('SIGKILL');
  await stack.startServer();
}

async function renameTo(page, name) {
  await page.click('#rename-open');
  await page.fill('#rename-input', name);
  await page.press('#rename-input', 'Enter');
  await page.locator('#my-name', { hasText: name }).waitFor();
}

test('server restart: the room is not re-created silently; notice, saved history, names kept', { timeout: 180000 }, async () => {
  const room = uniqueRoom('gone');
  // Ana chooses her nickname on the home page, Ben renames himself in the room.
  const ana = await newUser(browser);
  await ana.page.goto(stack.base + '/');
  await ana.page.fill('#room-name', room);
  await ana.page.fill('#nickname', 'Ana Home');
  await ana.page.click('#join-button');
  await waitJoined(ana.page);
  const ben = await newUser(browser);
  await openRoom(ben.page, stack.base, room);
  await renameTo(ben.page, 'Ben Chosen');
  await sendMessage(ana.page, 'first <b>bold?</b> & <script>x</script>');
  await card(ben.page, 'first <b>bold?</b>').waitFor();
  assert.equal(await myName(ana.page), 'Ana Home');
  const anaId = await state(ana.page, 'me');
  assert.equal(await state(ben.page, 'creator'), anaId);

  await restartServer();
  for (const u of [ana, ben]) {
    await u.page.locator('#gone-banner', { hasText: 'This room no longer exists on the server' })
      .waitFor({ state: 'visible', timeout: 60000 });
  }
  assert.equal(await roomExists(), false, 'no reconnect created the room again');
  assert.equal(await state(ana.page, 'joined'), false);
  assert.equal(await card(ana.page, 'first <b>bold?</b>').isVisible(), true, 'history stays on screen');
  assert.equal(await ana.page.locator('#gone-password-field').isHidden(), true, 'an open room needs no password');

  // "Save history": the messages shown, as plain text (never HTML).
  const [download] = await Promise.all([ana.page.waitForEvent('download'), ana.page.click('#gone-save')]);
  assert.match(download.suggestedFilename(), /\.txt$/);
  const text = fs.readFileSync(await download.path(), 'utf8');
  assert.match(text, /Ana Home: first <b>bold\?<\/b> & <script>x<\/script>/);
  console.log(`# saved history: ${text.length} characters, ${text.trim().split('\n').length} lines`);

  // "Create it again": Ana's name and her creator rights come back with her.
  await ana.page.click('#gone-create');
  await waitJoined(ana.page);
  assert.equal(await roomExists(), true);
  assert.equal(await ana.page.locator('#gone-banner').isHidden(), true);
  assert.equal(await myName(ana.page), 'Ana Home', 'the home-page nickname is kept');
  assert.equal(await state(ana.page, 'creator'), await state(ana.page, 'me'));
  await ben.page.click('#gone-create');
  await waitJoined(ben.page);
  assert.equal(await myName(ben.page), 'Ben Chosen', 'the chosen name is kept');
  assert.equal(await state(ben.page, 'creator'), await state(ana.page, 'me'), 'the first to re-create is the creator');
  await sendMessage(ben.page, 'back again');
  await card(ana.page, 'back again').waitFor();
  for (const u of [ana, ben]) await u.context.close();
});

test('password room: re-creating asks for a password and never goes without one', { timeout: 180000 }, async () => {
  const room = uniqueRoom('gonelock');
  const owner = await newUser(browser);
  await owner.page.goto(stack.base + '/');
  await owner.page.fill('#room-name', room);
  await owner.page.fill('#room-password', 'first secret');
  await owner.page.click('#join-button');
  await waitJoined(owner.page);
  await owner.page.locator('#password-badge').waitFor({ state: 'visible' });

  await restartServer();
  await owner.page.locator('#gone-banner').waitFor({ state: 'visible', timeout: 60000 });
  await owner.page.locator('#gone-password-field').waitFor({ state: 'visible' });
  await owner.page.click('#gone-create');
  await owner.page.locator('#gone-error', { hasText: 'password' }).waitFor();
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(await roomExists(), false, 'no room without a password');
  assert.equal(await state(owner.page, 'joined'), false);

  await owner.page.fill('#gone-password', 'second secret');
  await owner.page.click('#gone-create');
  await waitJoined(owner.page);
  await owner.page.locator('#password-badge').waitFor({ state: 'visible' });
  assert.equal(await state(owner.page, 'hasPassword'), true);

  // Someone new is asked for the password the room was re-created with.
  const guest = await newUser(browser);
  await guest.page.goto(stack.base + '/' + room);
  await guest.page.locator('#password-gate').waitFor({ state: 'visible' });
  await guest.page.fill('#gate-password', 'second secret');
  await guest.page.click('#gate-submit');
  await waitJoined(guest.page);
  for (const u of [owner, guest]) await u.context.close();
});

test('close 1012: reconnect at once, join-only with the same name; unacknowledged message sent again once', { timeout: 180000 }, async () => {
  const room = uniqueRoom('moved');
  const { page, context } = await newUser(browser);
  const sent = [];
  const sockets = [];
  let dropTM = false;
  let dropped = 0;
  let opened = [];
  await page.routeWebSocket(/\/ws_entry$/, (ws) => {
    opened.push(Date.now());
    const server = ws.connectToServer();
    sockets.push({ ws, server });
    ws.onMessage((m) => {
      const text = String(m);
      sent.push(text);
      // The room "froze" before this message reached it: it never gets an RP.
      if (dropTM && text.includes('"c":"TM"')) { dropTM = false; dropped += 1; return; }
      server.send(m);
    });
    server.onMessage((m) => ws.send(m));
  });
  await openRoom(page, stack.base, room);
  await renameTo(page, 'Mover');
  await sendMessage(page, 'acknowledged before the move');

  // Count backoff waits: a 1012 must not use one.
  await page.evaluate(() => {
    const c = window.IC.room._state.conn;
    const plain = c.scheduleRetry;
    c.backoffs = 0;
    c.scheduleRetry = function () { c.backoffs += 1; return plain.apply(this, arguments); };
  });
  dropTM = true;
  await page.fill('#composer-input', 'sent while the room moved');
  await page.press('#composer-input', 'Enter');
  while (!dropped) await new Promise((r) => setTimeout(r, 20));
  const before = sent.length;
  const closedAt = Date.now();
  const last = sockets[sockets.length - 1];
  await last.ws.close({ code: 1012, reason: 'room moved' });
  await last.server.close();
  await page.waitForFunction(() => window.IC.room._state.joined === false);
  await waitJoined(page, 30000);
  console.log(`# close 1012 → new socket opened after ${opened[opened.length - 1] - closedAt} ms`);
  assert.equal(await page.evaluate(() => window.IC.room._state.conn.backoffs), 0, 'no backoff after 1012');

  const after = sent.slice(before).map((t) => JSON.parse(t));
  const join = after.find((f) => f.c === 'R_J' || f.c === 'R_C_J');
  assert.equal(join.c, 'R_J', 'a rejoin is join-only');
  assert.equal(decodeURIComponent(join.uN), 'Mover', 'with the name we had');

  await card(page, 'sent while the room moved').waitFor({ timeout: 30000 });
  await page.waitForFunction(() => document.querySelector('#composer-input').value === '');
  // What the room holds, seen by a newcomer: each message exactly once.
  const other = await newUser(browser);
  await openRoom(other.page, stack.base, room);
  await card(other.page, 'sent while the room moved').waitFor();
  const count = (p, t) => p.locator('.msg-body', { hasText: t }).count();
  assert.equal(await count(other.page, 'sent while the room moved'), 1, 'resent once');
  assert.equal(await count(other.page, 'acknowledged before the move'), 1, 'an acknowledged message is never resent');
  assert.equal(after.filter((f) => f.c === 'TM').length, 1, 'exactly one resend');
  assert.equal(await myName(page), 'Mover');
  await other.context.close();
  await context.close();
});
