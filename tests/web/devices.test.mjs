// Screens and devices: phone landscape gives the messages the height, a long description is
// collapsible, "Enter sends" is said only where there is a keyboard, the password prompt shows
// no empty counts, and the compact density puts a short message on one line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launchBrowser, newUser, uniqueRoom, openRoom, waitJoined, sendMessage, card } from './stack.mjs';

let stack;
let browser;

before(async () => {
  stack = await startStack('devices');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

async function setDescription(page, text) {
  await page.click('#description-edit');
  await page.fill('#description-input', text);
  await page.click('#description-form button[type=submit]');
  await page.locator('#description-form').waitFor({ state: 'hidden' });
}

const LONG = 'A long room description that goes on. '.repeat(10).trim();

test('phone landscape 844×390: slim header, messages get most of the height; long description collapses', async () => {
  const room = uniqueRoom('landscape');
  const { page, context } = await newUser(browser, { viewport: { width: 844, height: 390 } });
  await openRoom(page, stack.base, room);
  await setDescription(page, LONG);
  for (let i = 1; i <= 6; i++) await sendMessage(page, `landscape line ${i}`);
  const sizes = await page.evaluate(() => ({
    stream: document.getElementById('stream').getBoundingClientRect().height,
    header: document.querySelector('.room-header').getBoundingClientRect().height,
    viewport: window.innerHeight
  }));
  console.log(`# landscape 844×390: header ${Math.round(sizes.header)} px, messages ${Math.round(sizes.stream)} px`);
  assert.ok(sizes.stream >= sizes.viewport * 0.5, `messages get ${sizes.stream} of ${sizes.viewport} px`);

  // The description is clamped; "More" opens it, "Less" closes it again.
  const text = page.locator('#description-text');
  const collapsed = await text.evaluate((e) => e.getBoundingClientRect().height);
  await page.click('#description-more');
  assert.equal(await page.locator('#description-more').textContent(), 'Less');
  const open = await text.evaluate((e) => e.getBoundingClientRect().height);
  assert.ok(open > collapsed * 2, `open ${open} px vs collapsed ${collapsed} px`);
  await page.click('#description-more');
  assert.equal(await page.locator('#description-more').getAttribute('aria-expanded'), 'false');
  await context.close();
});

test('portrait phone: a 400-character description takes two lines until opened', async () => {
  const room = uniqueRoom('portrait');
  const { page, context } = await newUser(browser, { viewport: { width: 390, height: 844 } });
  await openRoom(page, stack.base, room);
  await setDescription(page, 'x '.repeat(200).trim());
  const h = await page.locator('#room-description').evaluate((e) => e.getBoundingClientRect().height);
  console.log(`# portrait 390×844: 400-character description takes ${Math.round(h)} px collapsed`);
  assert.ok(h < 120, `collapsed description ${h} px`);
  await page.locator('#description-more').waitFor({ state: 'visible' });
  // A short one needs no toggle.
  await setDescription(page, 'short');
  assert.equal(await page.locator('#description-more').isHidden(), true);
  await context.close();
});

test('"Enter sends" only where there is a keyboard', async () => {
  const room = uniqueRoom('hint');
  const desk = await newUser(browser);
  await openRoom(desk.page, stack.base, room);
  assert.match(await desk.page.locator('#composer-hint').textContent(), /^Enter sends/);
  const touch = await browser.newContext({ viewport: { width: 844, height: 390 }, hasTouch: true, isMobile: true });
  const page = await touch.newPage();
  await openRoom(page, stack.base, room);
  const hint = await page.locator('#composer-hint').textContent();
  assert.doesNotMatch(hint, /Enter sends/);
  assert.match(hint, /Enter adds a line/);
  await touch.close();
  await desk.context.close();
});

test('the password prompt shows no "0 online / 0 members"', async () => {
  const room = uniqueRoom('gatecounts');
  const owner = await newUser(browser);
  await owner.page.goto(stack.base + '/');
  await owner.page.fill('#room-name', room);
  await owner.page.fill('#room-password', 'pass word');
  await owner.page.click('#join-button');
  await waitJoined(owner.page);
  assert.equal(await owner.page.locator('#members-meta').isVisible(), true);
  assert.match(await owner.page.locator('#online-count').textContent(), /1 online/);

  const guest = await newUser(browser);
  await guest.page.goto(stack.base + '/' + room);
  await guest.page.locator('#password-gate').waitFor({ state: 'visible' });
  assert.equal(await guest.page.locator('#members-meta').isVisible(), false);
  assert.equal(await guest.page.locator('#users-toggle .count').isVisible(), false);
  assert.doesNotMatch(await guest.page.locator('.room-header').innerText(), /0 online|0 members/);
  await guest.page.fill('#gate-password', 'pass word');
  await guest.page.click('#gate-submit');
  await waitJoined(guest.page);
  await guest.page.locator('#online-count', { hasText: '2 online' }).waitFor();
  for (const u of [owner, guest]) await u.context.close();
});

test('compact density: one line per short message, author on every line, remembered', async () => {
  const room = uniqueRoom('compact');
  const { page, context } = await newUser(browser);
  await openRoom(page, stack.base, room);
  for (let i = 1; i <= 5; i++) await sendMessage(page, `short ${i}`);
  const heights = () => page.evaluate(() =>
    Array.from(document.querySelectorAll('#stream-list .msg')).map((m) => m.getBoundingClientRect().height));
  const cards = await heights();
  await page.evaluate(() => { document.getElementById('set-compact').click(); });
  const compact = await heights();
  const avg = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  console.log(`# density: cards ${avg(cards).toFixed(0)} px per short message, compact ${avg(compact).toFixed(0)} px`);
  const lineHeight = await page.locator('.msg-body').first().evaluate((e) => parseFloat(getComputedStyle(e).lineHeight) || 20);
  for (const h of compact) assert.ok(h <= lineHeight * 1.6, `compact line ${h} px (line height ${lineHeight})`);
  assert.equal(await card(page, 'short 3').locator('.msg-author').isVisible(), true, 'grouped lines keep the author');
  await page.reload();
  await waitJoined(page);
  assert.equal(await page.locator('#stream.is-compact').count(), 1, 'the setting is remembered');
  await context.close();
});
