// Mentions match whole names: "@Bobby" does not mention Bob, "@bob," does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launchBrowser, newUser, uniqueRoom, sendMessage, card, waitJoined } from './stack.mjs';

let stack;
let browser;
let alice;
let bob;
let room;

before(async () => {
  stack = await startStack('mentions');
  browser = await launchBrowser();
  room = uniqueRoom('mentions');
  alice = await newUser(browser);
  bob = await newUser(browser);
  for (const [user, nick] of [[alice, 'Alice'], [bob, 'Bob']]) {
    await user.page.goto(stack.base + '/');
    await user.page.fill('#room-name', room);
    await user.page.fill('#nickname', nick);
    await user.page.click('#join-button');
    await waitJoined(user.page);
  }
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('the matching rule', async () => {
  const rows = [
    ['@Bob hi', 'Bob', true],
    ['hi @bob, how are you', 'Bob', true],
    ['(@Bob)', 'Bob', true],
    ['@Bobby hi', 'Bob', false],
    ['@Bob_2 hi', 'Bob', false],
    ['@Bob-ette', 'Bob', false],
    ['mail@bob.example', 'Bob', false],
    ['@Бо́б', 'Бо́б', true],
    ['no mention', 'Bob', false],
  ];
  for (const [text, name, expected] of rows) {
    const got = await bob.page.evaluate(([t, n]) => window.IC.mentions(t, n), [text, name]);
    assert.equal(got, expected, `${JSON.stringify(text)} mentions ${name}`);
  }
});

test('"@Bobby" is not a mention of Bob; "@Bob" is', async () => {
  await sendMessage(alice.page, '@Bobby are you there');
  await sendMessage(alice.page, '@Bob are you there');
  const b = bob.page;
  await card(b, '@Bob are you there').waitFor();
  assert.equal(await card(b, '@Bobby are you there').evaluate((el) => el.classList.contains('is-mention')), false);
  assert.equal(await card(b, '@Bob are you there').evaluate((el) => el.classList.contains('is-mention')), true);
});

test('@-mention autocomplete offers whole names and inserts the chosen one', async () => {
  // A third person whose name starts like Bob's and holds a space.
  const bobby = await newUser(browser);
  await bobby.page.goto(stack.base + '/');
  await bobby.page.fill('#room-name', room);
  await bobby.page.fill('#nickname', 'Bobby Tables');
  await bobby.page.click('#join-button');
  await waitJoined(bobby.page);
  const a = alice.page;
  await a.locator('#user-list .user-name', { hasText: 'Bobby Tables' }).waitFor();

  await a.fill('#composer-input', '');
  await a.locator('#composer-input').pressSequentially('hi @bo');
  const list = a.locator('#mention-list');
  await list.waitFor({ state: 'visible' });
  assert.deepEqual(await list.locator('.mention-option').allTextContents(), ['@Bob', '@Bobby Tables']);
  assert.equal(await a.getAttribute('#composer-input', 'aria-expanded'), 'true');
  // Arrow down and Enter pick the second name; Enter does not send meanwhile.
  await a.press('#composer-input', 'ArrowDown');
  await a.press('#composer-input', 'Enter');
  assert.equal(await a.inputValue('#composer-input'), 'hi @Bobby Tables ');
  assert.equal(await list.isHidden(), true);
  await a.locator('#composer-input').pressSequentially('lunch?');
  await a.press('#composer-input', 'Enter');
  await a.waitForFunction(() => document.querySelector('#composer-input').value === '');

  await card(bobby.page, 'hi @Bobby Tables lunch?').waitFor();
  assert.equal(await card(bobby.page, 'hi @Bobby Tables lunch?').evaluate((el) => el.classList.contains('is-mention')), true);
  await card(bob.page, 'hi @Bobby Tables lunch?').waitFor();
  assert.equal(await card(bob.page, 'hi @Bobby Tables lunch?').evaluate((el) => el.classList.contains('is-mention')), false);

  // Tab picks too; Escape closes the list without touching the text; nobody matching, no list.
  await a.locator('#composer-input').pressSequentially('@Ali');
  assert.equal(await list.isHidden(), true, 'your own name is not offered');
  await a.fill('#composer-input', '');
  await a.locator('#composer-input').pressSequentially('@Bobby');
  await list.waitFor({ state: 'visible' });
  await a.press('#composer-input', 'Escape');
  assert.equal(await list.isHidden(), true);
  assert.equal(await a.inputValue('#composer-input'), '@Bobby');
  await a.locator('#composer-input').pressSequentially(' T');
  await list.waitFor({ state: 'visible' });
  await a.press('#composer-input', 'Tab');
  assert.equal(await a.inputValue('#composer-input'), '@Bobby Tables ');
  await a.fill('#composer-input', '');
  await bobby.context.close();
});
