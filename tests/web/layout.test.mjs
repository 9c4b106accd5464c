// The room page keeps its frame: the header, the search bar and the composer stay on screen
// whatever is scrolled into view inside the message stream (search, jumps to quotes), and the
// page itself never scrolls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launchBrowser, newUser, uniqueRoom, openRoom, sendMessage, card } from './stack.mjs';

let stack;
let browser;
let alice;
let bob;
let room;

before(async () => {
  stack = await startStack('layout');
  browser = await launchBrowser();
  room = uniqueRoom('layout');
  alice = await newUser(browser);
  bob = await newUser(browser);
  await openRoom(alice.page, stack.base, room);
  // About 30 messages with join/leave notices among them (each notice carries a hidden
  // "Notice:" label for screen readers).
  for (let i = 1; i <= 28; i++) await sendMessage(alice.page, `filler line ${i} for the layout test`);
  await openRoom(bob.page, stack.base, room);
  await sendMessage(alice.page, 'the needle we will search for');
  await sendMessage(bob.page, 'a reply after the needle');
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

async function frame(page) {
  return page.evaluate(() => {
    const header = document.querySelector('.room-header').getBoundingClientRect();
    const composer = document.querySelector('#composer-input').getBoundingClientRect();
    return {
      pageScroll: document.scrollingElement.scrollTop,
      roomScroll: document.querySelector('.room').scrollTop,
      headerTop: header.top,
      composerBottom: composer.bottom,
      viewport: window.innerHeight,
      roomHeight: document.querySelector('.room').scrollHeight,
    };
  });
}

function assertFramed(f, what) {
  assert.equal(f.pageScroll, 0, `${what}: the page scrolled by ${f.pageScroll} px`);
  assert.equal(f.roomScroll, 0, `${what}: the room container scrolled by ${f.roomScroll} px`);
  assert.ok(f.headerTop >= 0, `${what}: the header left the screen (top ${f.headerTop})`);
  assert.ok(f.composerBottom <= f.viewport + 1, `${what}: the composer is below the screen (${f.composerBottom} > ${f.viewport})`);
}

test('searching scrolls the stream, never the page', async () => {
  const a = alice.page;
  await a.setViewportSize({ width: 1200, height: 800 });
  assertFramed(await frame(a), 'before the search');
  await a.keyboard.press('Control+f');
  await a.locator('#search-input').waitFor({ state: 'visible' });
  await a.fill('#search-input', 'needle');
  await a.press('#search-input', 'Enter');
  await a.locator('.msg.is-search-current').waitFor();
  const f = await frame(a);
  console.log(`# after a search: page scroll ${f.pageScroll} px, room scroll ${f.roomScroll} px, room height ${f.roomHeight} px, viewport ${f.viewport} px`);
  assertFramed(f, 'after a search');
  assert.ok(await a.locator('#search-bar').isVisible(), 'the search bar is still shown');
});

test('jumping to the oldest message keeps the frame', async () => {
  const a = alice.page;
  await a.evaluate(() => document.querySelector('.msg').scrollIntoView({ block: 'center' }));
  assertFramed(await frame(a), 'after scrolling the first message into view');
  await card(a, 'reply after the needle').scrollIntoViewIfNeeded();
  assertFramed(await frame(a), 'after scrolling the last message into view');
});
