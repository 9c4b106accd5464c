// Home page: the join form, password rooms (home and direct URL), recent rooms, theme, and
// the connection-methods page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launchBrowser, newUser, uniqueRoom, waitJoined } from './stack.mjs';

let stack;
let browser;

before(async () => {
  stack = await startStack('home');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('room name is normalised while typing and validated with a sentence', async () => {
  const { page, context } = await newUser(browser);
  await page.goto(stack.base + '/');
  // home.js loads on demand and the home view stays hidden until it is there: type as a user
  // can, into the visible field (keypresses do not wait for visibility by themselves).
  await page.locator('#room-name').waitFor({ state: 'visible' });
  await page.locator('#room-name').pressSequentially('  My Team');
  assert.equal(await page.inputValue('#room-name'), 'my-team');
  await page.fill('#room-name', 'ab');
  await page.locator('#room-name').dispatchEvent('input');
  assert.match(await page.locator('#room-name-hint').textContent(), /3 to 100 characters/);
  await page.fill('#room-name', 'hello<>');
  await page.locator('#room-name').dispatchEvent('input');
  assert.match(await page.locator('#room-name-hint').textContent(), /Only letters, digits/);
  await page.fill('#room-name', 'static');
  await page.press('#room-name', 'Enter');
  assert.match(await page.locator('#room-name-hint').textContent(), /reserved/);
  assert.equal(new URL(page.url()).pathname, '/', 'an invalid name does not leave the page');
  await context.close();
});

test('create a room from home with Enter; it shows up in recent rooms and can be removed', async () => {
  const { page, context } = await newUser(browser);
  const room = uniqueRoom('home');
  await page.goto(stack.base + '/');
  await page.fill('#room-name', room);
  await page.fill('#nickname', 'Zoe');
  await page.press('#room-name', 'Enter');
  await page.waitForURL(stack.base + '/' + room);
  await waitJoined(page);
  await page.locator('#user-list .user.is-me', { hasText: 'Zoe' }).waitFor();
  assert.match(await page.locator('#user-list .user.is-me').textContent(), /creator/);
  await page.goto(stack.base + '/');
  const item = page.locator('#recent-list .recent-item', { hasText: room });
  await item.waitFor();
  assert.match(await item.textContent(), /last visit/);
  await item.locator('.recent-remove').click();
  assert.equal(await page.locator('#recent-list .recent-item', { hasText: room }).count(), 0);
  await page.reload();
  assert.equal(await page.locator('#recent-list .recent-item', { hasText: room }).count(), 0, 'removal is kept');
  await context.close();
});

test('password room: wrong password offers free names, right password joins, direct URL asks on the page', async () => {
  const room = uniqueRoom('secret');
  const owner = await newUser(browser);
  await owner.page.goto(stack.base + '/');
  await owner.page.fill('#room-name', room);
  await owner.page.fill('#room-password', 'open sesame');
  await owner.page.click('#join-button');
  await waitJoined(owner.page);
  await owner.page.locator('#password-badge').waitFor({ state: 'visible' });

  // Wrong password from home: a sentence and chips with free names.
  const guest = await newUser(browser);
  await guest.page.goto(stack.base + '/');
  await guest.page.fill('#room-name', room);
  await guest.page.fill('#room-password', 'wrong');
  await guest.page.click('#join-button');
  await guest.page.locator('#join-error').waitFor({ state: 'visible' });
  assert.match(await guest.page.locator('#join-error .form-error-text').textContent(), /password does not match/);
  const chips = guest.page.locator('#alt-chips .chip');
  assert.ok(await chips.count() >= 1, 'alternatives offered');
  const chipName = await chips.first().textContent();
  assert.ok(chipName.startsWith(room + '-'), chipName);
  assert.equal(new URL(guest.page.url()).pathname, '/');

  // Right password from home joins.
  await guest.page.fill('#room-password', 'open sesame');
  await guest.page.click('#join-button');
  await guest.page.waitForURL(stack.base + '/' + room);
  await waitJoined(guest.page);
  await owner.page.locator('#online-count', { hasText: '2 online' }).waitFor();

  // A third person follows the link directly: the page asks for the password.
  const third = await newUser(browser);
  await third.page.goto(stack.base + '/' + room);
  await third.page.locator('#password-gate').waitFor({ state: 'visible' });
  assert.equal(await third.page.evaluate(() => window.IC.room._state.joined), false);
  await third.page.fill('#gate-password', 'nope');
  await third.page.click('#gate-submit');
  await third.page.locator('#gate-error', { hasText: 'Wrong password' }).waitFor();
  assert.ok(await third.page.locator('#gate-chips .chip').count() >= 1, 'free names offered on the page too');
  await third.page.fill('#gate-password', 'open sesame');
  await third.page.fill('#gate-nick', 'Third');
  await third.page.click('#gate-submit');
  await waitJoined(third.page);
  assert.equal(await third.page.locator('#password-gate').isHidden(), true);
  await owner.page.locator('#user-list .user', { hasText: 'Third' }).waitFor();

  // Once authorised, a reload joins without asking again.
  await third.page.reload();
  await waitJoined(third.page);
  assert.equal(await third.page.locator('#password-gate').isHidden(), true);

  // Clicking a chip on home goes to that free room.
  await guest.page.goto(stack.base + '/');
  await guest.page.fill('#room-name', room);
  await guest.page.fill('#room-password', 'still wrong');
  await guest.page.click('#join-button');
  const chip = guest.page.locator('#alt-chips .chip').first();
  await chip.waitFor();
  const target = await chip.textContent();
  await chip.click();
  await guest.page.waitForURL(stack.base + '/' + target);
  await waitJoined(guest.page);
  for (const u of [owner, guest, third]) await u.context.close();
});

test('a non-canonical room URL joins the canonical room', async () => {
  const { page, context } = await newUser(browser);
  const room = uniqueRoom('canon');
  await page.goto(stack.base + '/' + room.toUpperCase());
  await waitJoined(page);
  assert.equal(new URL(page.url()).pathname, '/' + room);
  assert.equal(await page.locator('#room-title').textContent(), room);
  await context.close();
});

test('an invalid room URL explains the problem instead of joining', async () => {
  const { page, context } = await newUser(browser);
  await page.goto(stack.base + '/ab');
  // The balancer sends invalid names back home with a sentence; the page may also be served.
  const shown = page.locator('#join-error .form-error-text, #invalid-room .invalid-reason').filter({ hasText: /3 to 100 characters/ });
  await shown.first().waitFor();
  assert.equal(await page.locator('#room-view').isHidden(), true);
  assert.equal(await page.locator('img, script', { hasText: 'x' }).count(), 0);
  // The sentence is shown as text even when someone crafts the link.
  await page.goto(stack.base + '/?error=' + encodeURIComponent('<img src=x onerror="window.__x=1">'));
  await page.locator('#join-error .form-error-text', { hasText: '<img src=x' }).waitFor();
  assert.equal(await page.evaluate(() => window.__x), undefined);
  await context.close();
});

test('theme follows the OS, the toggle wins and is kept', async () => {
  const { page, context } = await newUser(browser, { colorScheme: 'dark' });
  await page.goto(stack.base + '/');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.locator('#home-view .theme-toggle').click();
  assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), bg);
  await page.reload();
  assert.equal(await page.getAttribute('html', 'data-theme'), 'light', 'choice kept across reloads');
  await context.close();
});

test('connection methods page shows curl commands for this server that work', async () => {
  const { page, context } = await newUser(browser);
  await page.goto(stack.base + '/connection-methods');
  const room = uniqueRoom('curl');
  await page.fill('#example-room', room);
  const snippets = await page.locator('.snippet pre').allTextContents();
  assert.ok(snippets.length >= 6);
  for (const s of snippets) assert.ok(s.includes(stack.base + '/'), s);
  const send = await page.locator('.snippet[data-example="send"] pre').textContent();
  assert.equal(send, `curl '${stack.base}/s/${room}?m=hello%20from%20curl'`);
  // Run what the page says (the curl URL, with Node's fetch) and read it back.
  const url = send.match(/'([^']+)'/)[1];
  const res = await fetch(url);
  assert.equal(res.status, 200);
  const readUrl = (await page.locator('.snippet[data-example="read"] pre').textContent()).match(/'([^']+)'/)[1];
  const text = await (await fetch(readUrl)).text();
  assert.match(text, /hello from curl/);
  assert.equal(await page.locator('.snippet .copy').count(), snippets.length, 'every snippet has a copy button');
  // Room passwords go in a header: URLs end up in proxies' access logs.
  const withPassword = await page.locator('.snippet[data-example="password"] pre').textContent();
  assert.ok(withPassword.includes("-H 'X-Room-Password: secret'"), withPassword);
  assert.ok(!withPassword.includes('p=secret'), withPassword);
  await context.close();
});

test('about page is served', async () => {
  const { page, context } = await newUser(browser);
  const res = await page.goto(stack.base + '/about');
  assert.equal(res.status(), 200);
  assert.match(await page.locator('h1').textContent(), /About instantchat/);
  await context.close();
});
