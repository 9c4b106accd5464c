// Details readers hit: one Tab stop per message (its actions join the Tab order once focus is in
// the message), readable tags, a description whose links work and whose change is announced.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launchBrowser, newUser, uniqueRoom, openRoom, sendMessage, card } from './stack.mjs';

let stack;
let browser;

before(async () => {
  stack = await startStack('details');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

// Elements of a card that sequential Tab navigation stops at.
function tabStops(locator) {
  return locator.evaluate((c) => Array.from(c.querySelectorAll('a[href], button, [tabindex]'))
    .filter((e) => e.tabIndex >= 0 && !e.disabled && e.getClientRects().length > 0)
    .map((e) => e.className.split(' ').pop()));
}

test('one Tab stop per message; Tab from it walks its actions, then the next message', async () => {
  const room = uniqueRoom('tabs');
  const ana = await newUser(browser);
  const bob = await newUser(browser);
  await openRoom(ana.page, stack.base, room);
  await openRoom(bob.page, stack.base, room);
  await sendMessage(ana.page, 'tab one');
  await sendMessage(ana.page, 'tab two');
  const b = bob.page;
  await card(b, 'tab two').waitFor();
  for (const text of ['tab one', 'tab two']) {
    assert.deepEqual(await tabStops(card(b, text)), ['msg-id'], `Tab stops in "${text}"`);
  }
  // Keyboard path: the message's number link, its actions, then the next message.
  await card(b, 'tab one').locator('.msg-id').focus();
  const walk = [];
  for (let i = 0; i < 5; i++) {
    await b.keyboard.press('Tab');
    walk.push(await b.evaluate(() => {
      const e = document.activeElement;
      return (e.closest('.msg') ? e.closest('.msg').querySelector('.msg-body').textContent + ':' : '') + e.className.split(' ').pop();
    }));
  }
  assert.deepEqual(walk, ['tab one:act-reply', 'tab one:act-quote', 'tab one:act-support', 'tab one:act-reject', 'tab two:msg-id']);
  // Leaving a message takes its actions out of the Tab order again.
  assert.deepEqual(await tabStops(card(b, 'tab one')), ['msg-id']);
  await b.keyboard.press('Enter');
  assert.deepEqual(bob.page.errors, []);
  await ana.context.close();
  await bob.context.close();
});

test('tags are at least 11 px; the description links and its change is announced', async () => {
  const room = uniqueRoom('desc');
  const owner = await newUser(browser);
  const guest = await newUser(browser);
  await openRoom(owner.page, stack.base, room);
  await openRoom(guest.page, stack.base, room);
  await sendMessage(owner.page, 'tagged');
  const g = guest.page;
  await card(g, 'tagged').locator('.tag-creator').waitFor();
  const sizes = await g.evaluate(() => Array.from(document.querySelectorAll('.msg .tag, #user-list .tag'),
    (t) => parseFloat(getComputedStyle(t).fontSize)));
  assert.ok(sizes.length >= 2 && Math.min(...sizes) >= 11, `tag font sizes ${sizes.join(', ')} px`);

  const o = owner.page;
  await o.click('#description-edit');
  await o.fill('#description-input', 'Rules: https://example.org/rules <img src=x onerror="window.__xss=1">');
  await o.click('#description-form button[type=submit]');
  const link = g.locator('#description-text a');
  await link.waitFor();
  assert.equal(await link.getAttribute('href'), 'https://example.org/rules');
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
  assert.match(await g.locator('#description-text').textContent(), /<img src=x onerror="window.__xss=1">$/);
  assert.equal(await g.locator('#description-text img').count(), 0);
  await g.locator('.notice', { hasText: 'changed the room description' }).waitFor();
  assert.equal(await g.evaluate(() => window.__xss), undefined);
  // A status frame with the same description announces nothing new.
  assert.equal(await g.locator('.notice', { hasText: 'changed the room description' }).count(), 1);
  assert.deepEqual(g.errors, []);
  await owner.context.close();
  await guest.context.close();
});
