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
