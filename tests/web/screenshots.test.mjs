// Screenshots of home and room, desktop (1366×768), phone (390×844) and phone landscape (844×390),
// light and dark.
// Written to artifacts/ (ignored by git) and to screenshots/ (referenced by the README).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startStack, launchBrowser, newUser, uniqueRoom, openRoom, waitJoined, sendMessage, card, artifactsDir, screenshotsDir } from './stack.mjs';

let stack;
let browser;

before(async () => {
  stack = await startStack('screenshots');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

// The ones the README shows are also copied to screenshots/ (kept in git).
const README_SHOTS = ['home-desktop-light', 'room-desktop-light', 'room-desktop-dark', 'room-phone-light', 'room-phone-dark',
  'room-phone-landscape-dark'];

async function shoot(page, name) {
  const file = path.join(artifactsDir, name + '.png');
  await page.screenshot({ path: file });
  if (README_SHOTS.includes(name)) {
    fs.mkdirSync(screenshotsDir, { recursive: true });
    fs.copyFileSync(file, path.join(screenshotsDir, name + '.png'));
  }
  // A PNG that is more than a blank page.
  assert.ok(fs.statSync(file).size > 15000, name);
}

async function drawSomething(page) {
  await page.click('#open-drawing');
  const box = await page.locator('#drawing-dialog canvas').boundingBox();
  const pts = [];
  for (let i = 0; i <= 40; i++) {
    const t = (i / 40) * Math.PI * 2;
    pts.push([0.5 + 0.25 * Math.cos(t) * 0.62, 0.5 + 0.3 * Math.sin(t)]);
  }
  await page.mouse.move(box.x + box.width * pts[0][0], box.y + box.height * pts[0][1]);
  await page.mouse.down();
  for (const p of pts) await page.mouse.move(box.x + box.width * p[0], box.y + box.height * p[1]);
  await page.mouse.up();
  await page.click('#drawing-dialog .pad-swatch[aria-label="Red"]');
  for (const [x1, y1, x2, y2] of [[0.42, 0.4, 0.42, 0.45], [0.58, 0.4, 0.58, 0.45]]) {
    await page.mouse.move(box.x + box.width * x1, box.y + box.height * y1);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * x2, box.y + box.height * y2, { steps: 4 });
    await page.mouse.up();
  }
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.6);
  await page.mouse.down();
  for (let i = 0; i <= 10; i++) {
    const t = i / 10;
    await page.mouse.move(box.x + box.width * (0.4 + 0.2 * t), box.y + box.height * (0.6 + 0.08 * Math.sin(t * Math.PI)));
  }
  await page.mouse.up();
  await page.click('#drawing-dialog .pad-send');
  await page.locator('#drawing-dialog').waitFor({ state: 'hidden' });
}

// A picture pasted into the composer (a synthetic clipboard event) and sent as a drawing.
async function pasteImage(page) {
  await page.evaluate(async () => {
    const c = document.createElement('canvas');
    c.width = 480;
    c.height = 200;
    const g = c.getContext('2d');
    const sky = g.createLinearGradient(0, 0, 0, 200);
    sky.addColorStop(0, '#8ec5ff');
    sky.addColorStop(1, '#fde2b8');
    g.fillStyle = sky;
    g.fillRect(0, 0, 480, 200);
    g.fillStyle = '#f7b733';
    g.beginPath();
    g.arc(380, 60, 30, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = '#3d6b4f';
    g.beginPath();
    g.moveTo(0, 200);
    g.lineTo(140, 90);
    g.lineTo(260, 200);
    g.moveTo(180, 200);
    g.lineTo(330, 110);
    g.lineTo(480, 200);
    g.fill();
    const blob = await new Promise((resolve) => c.toBlob(resolve, 'image/png'));
    const dt = new DataTransfer();
    dt.items.add(new File([blob], 'photo.png', { type: 'image/png' }));
    document.querySelector('#composer-input').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  });
  await page.locator('#paste-dialog').waitFor({ state: 'visible' });
  await page.click('#paste-dialog .paste-send');
  await page.locator('#paste-dialog').waitFor({ state: 'hidden' });
}

test('home and room screenshots, light and dark, desktop and phone', { timeout: 240000 }, async () => {
  const room = 'design-review';
  const alice = await newUser(browser);
  await alice.page.goto(stack.base + '/');
  await alice.page.fill('#room-name', room);
  await alice.page.fill('#nickname', 'Alice');
  await alice.page.click('#join-button');
  await waitJoined(alice.page);
  const a = alice.page;
  await a.click('#description-edit');
  await a.fill('#description-input', 'Friday design review — mockups, questions and decisions. Be kind, be brief.');
  await a.click('#description-form button[type=submit]');

  const bob = await newUser(browser);
  await bob.page.goto(stack.base + '/');
  await bob.page.fill('#room-name', room);
  await bob.page.fill('#nickname', 'Bob');
  await bob.page.click('#join-button');
  await waitJoined(bob.page);
  const b = bob.page;

  const carol = await newUser(browser);
  await openRoom(carol.page, stack.base, room);

  await sendMessage(a, 'Morning! The new mockups are up: https://example.org/mockups/v3 (feedback welcome).');
  await sendMessage(a, 'Main question: do we keep the sidebar on phones, or move it behind a button?');
  await sendMessage(b, 'Behind a button. On a **390 px** screen _every_ pixel counts.');
  await card(a, 'Behind a button').locator('.act-support').click();
  await card(b, 'Main question').locator('.act-quote').click();
  await sendMessage(b, 'Also: can we keep the composer visible while the keyboard is open?');
  await sendMessage(carol.page, '👍');
  await pasteImage(carol.page);
  await fetch(`${stack.base}/s/${room}?m=${encodeURIComponent('CI: build #1432 passed, preview deployed')}`);
  await drawSomething(b);
  await sendMessage(b, 'Quick sketch of the layout above ☝️');
  await card(a, 'Also: can we keep').locator('.act-reply').click();
  await sendMessage(a, '> keep the composer visible while the keyboard is open?\n**Yes** — the layout uses `display: grid`, the composer stays at the bottom:\n```css\n.room { grid-template-rows: auto 1fr auto; }\n```');
  await card(carol.page, 'Behind a button').locator('.act-support').click();
  await a.locator('.drawing-thumb img').nth(1).waitFor();
  await a.locator('#picks-list .pick').first().waitFor();

  // Desktop room, Alice's view.
  await a.emulateMedia({ colorScheme: 'light' });
  await a.waitForTimeout(300);
  await shoot(a, 'room-desktop-light');
  // Dark, scrolled up to the pasted photo (the first picture in the room; the sketch is the second).
  await a.emulateMedia({ colorScheme: 'dark' });
  await a.locator('.drawing-thumb img').first().evaluate((img) => img.scrollIntoView({ block: 'center' }));
  await a.waitForTimeout(300);
  assert.equal(await a.getAttribute('html', 'data-theme'), 'dark');
  const photo = await a.locator('.drawing-thumb img').first().boundingBox();
  assert.ok(photo && photo.y >= 0 && photo.y + photo.height <= 768, 'the pasted photo is on screen');
  await shoot(a, 'room-desktop-dark');

  // Phone room, Bob's view in a phone-sized window.
  const phone = await newUser(browser, { viewport: { width: 390, height: 844 } });
  await phone.context.addCookies(await bob.context.cookies());
  await bob.page.close();
  await openRoom(phone.page, stack.base, room);
  await phone.page.locator('.drawing-thumb img').nth(1).waitFor();
  await phone.page.waitForTimeout(300);
  const gap = await phone.page.locator('#stream').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
  assert.ok(gap < 4, 'a freshly opened room shows its newest message (gap ' + gap + ' px)');
  await shoot(phone.page, 'room-phone-light');
  await phone.page.emulateMedia({ colorScheme: 'dark' });
  await phone.page.waitForTimeout(300);
  await shoot(phone.page, 'room-phone-dark');
  // The side panel opens over the stream on phones.
  await phone.page.click('#users-toggle');
  await phone.page.locator('#side').waitFor({ state: 'visible' });
  await phone.page.waitForTimeout(400);
  await shoot(phone.page, 'room-phone-people-dark');

  // The same phone turned sideways: slim header, the messages get most of the 390 px.
  const landscape = await newUser(browser, { viewport: { width: 844, height: 390 }, colorScheme: 'dark' });
  await landscape.context.addCookies(await phone.context.cookies());
  await phone.page.goto(stack.base + '/');
  await openRoom(landscape.page, stack.base, room);
  await landscape.page.locator('.drawing-thumb img').nth(1).waitFor();
  await landscape.page.waitForTimeout(300);
  const streamHeight = await landscape.page.locator('#stream').evaluate((el) => el.getBoundingClientRect().height);
  assert.ok(streamHeight >= 390 * 0.5, `messages get ${streamHeight} of 390 px in landscape`);
  await shoot(landscape.page, 'room-phone-landscape-dark');
  await landscape.context.close();

  // Home pages (with a recent room listed).
  await a.goto(stack.base + '/');
  await a.emulateMedia({ colorScheme: 'light' });
  await a.locator('#recent-list .recent-item').first().waitFor();
  await shoot(a, 'home-desktop-light');
  await a.emulateMedia({ colorScheme: 'dark' });
  await shoot(a, 'home-desktop-dark');
  await phone.page.goto(stack.base + '/');
  await phone.page.emulateMedia({ colorScheme: 'light' });
  await shoot(phone.page, 'home-phone-light');
  await phone.page.emulateMedia({ colorScheme: 'dark' });
  await shoot(phone.page, 'home-phone-dark');

  // Layout sanity on the phone: nothing wider than the viewport.
  const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, 'no horizontal scrolling on a 390 px phone');
});
