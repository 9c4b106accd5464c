// Connection loss: the room's server dies while someone is typing, comes back on the same
// port, and the page recovers by itself without losing the typed text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launchBrowser, newUser, uniqueRoom, openRoom, waitJoined, sendMessage, card } from './stack.mjs';

let stack;
let browser;

before(async () => {
  stack = await startStack('reconnect');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('server stop: banner, text kept, automatic reconnect, queued message sent', { timeout: 180000 }, async () => {
  const room = uniqueRoom('drop');
  const { page } = await newUser(browser);
  await openRoom(page, stack.base, room);
  await sendMessage(page, 'before the outage');

  await page.fill('#composer-input', 'typed while the server was down');
  await stack.stopServer('SIGKILL');

  const banner = page.locator('#conn-banner');
  await banner.waitFor({ state: 'visible', timeout: 20000 });
  await page.locator('#conn-banner .banner-text', { hasText: /Reconnecting/ }).waitFor({ timeout: 20000 });
  assert.equal(await page.locator('#conn-banner .retry-now').count(), 1);
  assert.equal(await page.inputValue('#composer-input'), 'typed while the server was down');
  assert.equal(await card(page, 'before the outage').isVisible(), true, 'messages stay readable');

  // Sending while offline keeps the text and promises to send it later.
  await page.press('#composer-input', 'Enter');
  await page.locator('#composer-error', { hasText: 'will be sent' }).waitFor();
  assert.equal(await page.inputValue('#composer-input'), 'typed while the server was down');
  // "Retry now" while the server is still down just schedules the next attempt.
  await page.locator('#conn-banner .retry-now').click().catch(() => {});

  await stack.startServer();
  // The restarted server lost the room: the page says so and creates it again only when asked;
  // the queued message goes out after that.
  await page.locator('#gone-banner').waitFor({ state: 'visible', timeout: 90000 });
  await banner.waitFor({ state: 'hidden', timeout: 10000 });
  assert.equal(await page.inputValue('#composer-input'), 'typed while the server was down');
  await page.click('#gone-create');
  await waitJoined(page, 30000);
  await card(page, 'typed while the server was down').waitFor({ timeout: 30000 });
  await page.waitForFunction(() => document.querySelector('#composer-input').value === '');
  await sendMessage(page, 'after the outage');
  await card(page, 'after the outage').waitFor();
});

test('graceful server stop: sticky "shutting down" warning, cleared after the reconnect', { timeout: 180000 }, async () => {
  const room = uniqueRoom('graceful');
  const { page, context } = await newUser(browser);
  await openRoom(page, stack.base, room);
  await stack.stopServer('SIGTERM');
  await page.locator('#status-banner', { hasText: 'shutting down' }).waitFor({ timeout: 30000 });
  await page.locator('#conn-banner').waitFor({ state: 'visible', timeout: 15000 });
  await stack.startServer();
  await page.locator('#gone-banner').waitFor({ state: 'visible', timeout: 90000 });
  await page.click('#gone-create');
  await waitJoined(page, 30000);
  await page.locator('#status-banner').waitFor({ state: 'hidden', timeout: 10000 });
  await sendMessage(page, 'fine again');
  await context.close();
});

test('backoff delays grow with jitter and are capped at 30 s', async () => {
  const { page } = await newUser(browser);
  await page.goto(stack.base + '/');
  const delays = await page.evaluate(() => {
    const c = new window.IC.Connection('x-room', {});
    const out = [];
    for (let i = 0; i < 12; i++) { c.attempt = i; out.push(c.nextDelay()); }
    return out;
  });
  assert.ok(delays[0] >= 500 && delays[0] <= 1000, String(delays));
  assert.ok(delays[3] >= 4000 && delays[3] <= 8000, String(delays));
  for (const d of delays) assert.ok(d <= 30000, String(delays));
  assert.ok(delays[11] >= 15000, 'late attempts wait long');
});
