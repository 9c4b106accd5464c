// Member deltas and typing in the browser (pv 2): a second person joining adds one row to the
// member list without redrawing the list or the messages, a lost delta is recovered with the
// full list, and typing shows "… is typing" on the other side.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launchBrowser, newUser, uniqueRoom, openRoom, sendMessage, card, myUid } from './stack.mjs';

let stack;
let browser;
let room;

before(async () => {
  stack = await startStack('members');
  browser = await launchBrowser();
  room = uniqueRoom('members');
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('a join updates the member list row by row, typing shows on the other side', async () => {
  const alice = await newUser(browser);
  const bob = await newUser(browser);
  const a = alice.page;
  await openRoom(a, stack.base, room);
  await sendMessage(a, 'hello before bob');
  await card(a, 'hello before bob').waitFor();
  const version = await a.evaluate(() => window.IC.room._state.memberVersion);
  assert.equal(typeof version, 'number', 'the full list of a pv 2 session carries mV');

  // Mark the DOM nodes that exist now: a redraw would replace them.
  await a.evaluate(() => {
    document.querySelector('#user-list li.is-me').dataset.mark = 'kept';
    document.querySelector('#stream-list .msg').dataset.mark = 'kept';
  });

  await openRoom(bob.page, stack.base, room);
  const bobId = await myUid(bob.page);
  await a.locator('#online-count').filter({ hasText: '2 online' }).waitFor();
  await a.locator(`#user-list li[data-uid="${bobId}"]`).waitFor();
  const kept = await a.evaluate(() => ({
    me: document.querySelector('#user-list li.is-me')?.dataset.mark,
    message: document.querySelector('#stream-list .msg')?.dataset.mark,
    rows: document.querySelectorAll('#user-list li').length,
    version: window.IC.room._state.memberVersion
  }));
  assert.equal(kept.me, 'kept', 'my own row was not redrawn');
  assert.equal(kept.message, 'kept', 'the messages were not redrawn');
  assert.equal(kept.rows, 2);
  assert.equal(kept.version, version + 1, 'one delta, applied in order');

  // Bob types: Alice sees it, with Bob's name, and it goes away when his message arrives.
  const bobName = await bob.page.evaluate(() => window.IC.room._state.users[window.IC.room._state.me].n);
  await bob.page.type('#composer-input', 'hel');
  const line = a.locator('#typing-line');
  await line.filter({ hasText: 'is typing' }).waitFor();
  assert.equal(await line.textContent(), decodeURIComponent(bobName) + ' is typing…');
  assert.equal(await bob.page.locator('#typing-line').isHidden(), true, 'not shown to the typist');
  await bob.page.type('#composer-input', 'lo');
  await bob.page.press('#composer-input', 'Enter');
  await card(a, 'hello').last().waitFor();
  await a.waitForFunction(() => document.querySelector('#typing-line').hidden);

  // Bob leaves: his row changes to offline, mine is still the same node.
  await bob.context.close();
  await a.locator('#online-count').filter({ hasText: '1 online' }).waitFor();
  assert.match(await a.locator(`#user-list li[data-uid="${bobId}"]`).textContent(), /offline/);
  assert.equal(await a.evaluate(() => document.querySelector('#user-list li.is-me').dataset.mark), 'kept');
  assert.equal(a.errors.length, 0, 'no page errors: ' + a.errors.join('; '));
  await alice.context.close();
});

test('a skipped version makes the page fetch the full list', async () => {
  const carol = await newUser(browser);
  const dave = await newUser(browser);
  const c = carol.page;
  await openRoom(c, stack.base, room);
  const held = await c.evaluate(() => window.IC.room._state.memberVersion);
  // Pretend one delta was lost: the list we hold is one version behind what it claims.
  await c.evaluate(() => { window.IC.room._state.memberVersion -= 1; });
  await openRoom(dave.page, stack.base, room);
  const daveId = await myUid(dave.page);
  await c.locator(`#user-list li[data-uid="${daveId}"]`).waitFor();
  const state = await c.evaluate(() => ({
    awaiting: window.IC.room._state.awaitingMembers,
    requests: window.IC.room._state.fullListRequests,
    version: window.IC.room._state.memberVersion,
    online: document.querySelector('#online-count').textContent
  }));
  assert.equal(state.awaiting, false);
  assert.equal(state.requests, 1, 'the gap was noticed and the full list asked for');
  assert.equal(state.version, held + 1, 'the full list brought the current version');
  assert.equal(state.online, '2 online');
  assert.equal(c.errors.length, 0, 'no page errors: ' + c.errors.join('; '));
  await carol.context.close();
  await dave.context.close();
});
