// Reading a room: your own vote on the vote buttons, who voted (on hover), "unread since your
// last visit" with a jump to the first unread message, and the messages that arrived while
// disconnected.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launchBrowser, newUser, uniqueRoom, openRoom, waitJoined, sendMessage, card } from './stack.mjs';

let stack;
let browser;

before(async () => {
  stack = await startStack('reading');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('your own vote shows on the buttons, survives a reload, and is withdrawn by pressing again', async () => {
  const room = uniqueRoom('votes');
  const ana = await newUser(browser);
  const ben = await newUser(browser);
  await openRoom(ana.page, stack.base, room);
  await openRoom(ben.page, stack.base, room);
  await sendMessage(ana.page, 'vote on this one');
  await sendMessage(ana.page, 'and not on this one');
  const voted = card(ben.page, 'vote on this one');
  const other = card(ben.page, 'and not on this one');
  await voted.locator('.act-support').click();
  await voted.locator('.act-support[aria-pressed="true"]').waitFor();
  assert.equal(await voted.locator('.act-support').getAttribute('title'), 'You support this — press again to withdraw your vote');
  assert.equal(await voted.locator('.act-reject').getAttribute('aria-pressed'), 'false');
  assert.equal(await other.locator('.act-support').getAttribute('aria-pressed'), 'false');
  // Ana sees the count, not Ben's choice as hers.
  await card(ana.page, 'vote on this one').locator('.act-support .n', { hasText: '1' }).waitFor({ state: 'attached' }).catch(() => {});
  assert.equal(await card(ana.page, 'vote on this one').locator('.is-voted').count(), 0);

  // Moving the vote: reject pressed, support released.
  await voted.locator('.act-reject').click();
  await voted.locator('.act-reject[aria-pressed="true"]').waitFor();
  assert.equal(await voted.locator('.act-support').getAttribute('aria-pressed'), 'false');

  await ben.page.reload();
  await waitJoined(ben.page);
  await card(ben.page, 'vote on this one').locator('.act-reject[aria-pressed="true"]').waitFor();
  await card(ben.page, 'vote on this one').locator('.act-reject').click();
  await card(ben.page, 'vote on this one').locator('.act-reject[aria-pressed="false"]').waitFor();
  assert.equal(await card(ben.page, 'vote on this one').locator('.act-reject .n').textContent(), '0');
  for (const u of [ana, ben]) await u.context.close();
});

async function rename(page, name) {
  await page.click('#rename-open');
  await page.fill('#rename-input', name);
  await page.press('#rename-input', 'Enter');
  await page.locator('#user-list .user.is-me .user-name', { hasText: name }).waitFor();
}

// The tooltip a vote button shows: set when pointed at (and when the card is drawn).
async function hoverTitle(locator) {
  await locator.hover();
  return locator.getAttribute('title');
}

test('who voted shows on hover: live votes, a late joiner, renames, names as text', async () => {
  const room = uniqueRoom('voters');
  const ana = await newUser(browser);
  const ben = await newUser(browser);
  const cy = await newUser(browser);
  await openRoom(ana.page, stack.base, room);
  await openRoom(ben.page, stack.base, room);
  await openRoom(cy.page, stack.base, room);
  await rename(ana.page, 'Ana');
  await rename(ben.page, 'Ben');
  // A name is user text: markup in it must stay text in the tooltip.
  await rename(cy.page, '<b>Cy</b>');
  await sendMessage(ben.page, 'who voted here');
  await card(ana.page, 'who voted here').locator('.act-support').click();
  await card(ana.page, 'who voted here').locator('.act-support[aria-pressed="true"]').waitFor();
  await card(cy.page, 'who voted here').locator('.act-reject').click();
  await card(cy.page, 'who voted here').locator('.act-reject[aria-pressed="true"]').waitFor();

  // The author (no vote buttons on one's own message) sees both sides on the counts.
  const tally = card(ben.page, 'who voted here').locator('.vote-tally');
  await tally.filter({ hasText: 'reject 1' }).waitFor();
  assert.equal(await hoverTitle(tally), 'Supported by Ana · Rejected by <b>Cy</b>');
  assert.equal(await card(ben.page, 'who voted here').locator('.vote-tally b').count(), 0, 'no markup from a name');

  // Someone who comes later learns it from the join (ALL_TM), and votes too.
  const eve = await newUser(browser);
  await openRoom(eve.page, stack.base, room);
  await rename(eve.page, 'Eve');
  const seen = card(eve.page, 'who voted here');
  assert.equal(await hoverTitle(seen.locator('.act-support')), 'Supported by Ana');
  assert.equal(await hoverTitle(seen.locator('.act-reject')), 'Rejected by <b>Cy</b>');
  await seen.locator('.act-support').click();
  await seen.locator('.act-support[aria-pressed="true"]').waitFor();
  assert.equal(await hoverTitle(seen.locator('.act-support')),
    'Supported by you and Ana — press again to withdraw your vote');

  // Ana sees Eve among the supporters, herself first; a rename shows without a new vote.
  const anaCard = card(ana.page, 'who voted here');
  await anaCard.locator('.act-support .n', { hasText: '2' }).waitFor();
  assert.equal(await hoverTitle(anaCard.locator('.act-support')),
    'Supported by you and Eve — press again to withdraw your vote');
  await rename(cy.page, 'Cyrus');
  await ana.page.locator('#user-list .user-name', { hasText: 'Cyrus' }).waitFor();
  assert.equal(await hoverTitle(anaCard.locator('.act-reject')), 'Rejected by Cyrus');

  // A withdrawn vote leaves the list.
  await seen.locator('.act-support').click();
  await anaCard.locator('.act-support .n', { hasText: '1' }).waitFor();
  assert.equal(await hoverTitle(anaCard.locator('.act-support')),
    'You support this — press again to withdraw your vote');

  // The server lists at most 10 a side (docs/protocol.md §7.3); the count says how many more.
  const many = await eve.page.evaluate(() => {
    const M = window.IC.messages;
    const ids = Array.from({ length: 10 }, (_, i) => 'u' + i);
    const ctx = {
      me: 'me', myVote: () => '', voters: () => ({ s: ids, r: [] }),
      userName: (uId) => ({ name: 'Name ' + uId.slice(1), anon: false })
    };
    return M.voteTitle({ id: 1, sC: 300, rC: 0 }, 'support', false, ctx);
  });
  assert.equal(many, 'Supported by Name 0, Name 1, Name 2, Name 3, Name 4, Name 5, Name 6, Name 7, Name 8, Name 9 and 290 more');
  for (const u of [ana, ben, cy, eve]) assert.equal(u.page.errors.length, 0, u.page.errors.join('; '));
  for (const u of [ana, ben, cy, eve]) await u.context.close();
});

test('unread since your last visit: divider before the first unread message and a jump to it', async () => {
  const room = uniqueRoom('lastvisit');
  const ana = await newUser(browser);
  const ben = await newUser(browser);
  await openRoom(ana.page, stack.base, room);
  await openRoom(ben.page, stack.base, room);
  for (let i = 1; i <= 3; i++) await sendMessage(ana.page, `seen message ${i}`);
  await card(ben.page, 'seen message 3').waitFor();
  await ben.page.goto(stack.base + '/');
  for (let i = 1; i <= 4; i++) await sendMessage(ana.page, `unread message ${i}`);

  await openRoom(ben.page, stack.base, room);
  const bar = ben.page.locator('#unread-bar');
  await bar.waitFor({ state: 'visible' });
  assert.equal(await bar.locator('.label').textContent(), '4 new messages since your last visit');
  // The divider sits right before the first unread card.
  const next = await ben.page.evaluate(() => {
    const d = document.getElementById('unread-divider');
    let n = d && d.nextElementSibling;
    while (n && !n.classList.contains('msg')) n = n.nextElementSibling;
    return { text: d && d.textContent, next: n && n.querySelector('.msg-body').textContent };
  });
  assert.deepEqual(next, { text: 'Unread since your last visit', next: 'unread message 1' });
  await ben.page.click('#jump-unread');
  await card(ben.page, 'unread message 1').and(ben.page.locator('.is-highlight')).waitFor();
  assert.equal(await bar.isHidden(), true);

  // Nothing new on the next visit: no divider, no bar.
  await ben.page.reload();
  await waitJoined(ben.page);
  assert.equal(await ben.page.locator('#unread-divider').count(), 0);
  assert.equal(await bar.isHidden(), true);
  for (const u of [ana, ben]) await u.context.close();
});

test('messages that arrived while disconnected: "N new messages" bar after the rejoin', async () => {
  const room = uniqueRoom('offline');
  const ana = await newUser(browser);
  const ben = await newUser(browser);
  await openRoom(ana.page, stack.base, room);
  await openRoom(ben.page, stack.base, room);
  await sendMessage(ana.page, 'before the drop');
  await card(ben.page, 'before the drop').waitFor();
  // Ben's socket drops and stays down while Ana writes.
  await ben.page.evaluate(() => { const c = window.IC.room._state.conn; c.ws.close(); c.stopped = true; });
  await ben.page.waitForFunction(() => window.IC.room._state.joined === false);
  for (const t of ['missed one', 'missed two', 'missed three']) await sendMessage(ana.page, t);
  await ben.page.evaluate(() => window.IC.room._state.conn.restart());
  await waitJoined(ben.page);
  const bar = ben.page.locator('#unread-bar');
  await bar.waitFor({ state: 'visible' });
  assert.equal(await bar.locator('.label').textContent(), '3 new messages while you were disconnected');
  assert.equal(await ben.page.locator('#unread-divider').textContent(), 'New since the connection dropped');
  await ben.page.click('#jump-unread');
  await card(ben.page, 'missed one').and(ben.page.locator('.is-highlight')).waitFor();
  for (const u of [ana, ben]) await u.context.close();
});
