// A room's server goes away under a real page, on a stack of three servers that register with the
// balancer: stopped on purpose (SIGTERM: it hands its rooms to another server) the page keeps its
// room by itself — the same name, still the creator (it can change the description), the whole
// history, and a password room stays locked for a newcomer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, launchBrowser, newUser, uniqueRoom, openRoom, waitJoined, sendMessage, card } from './stack.mjs';

let cluster;
let browser;

before(async () => {
  cluster = await startCluster('failover', 3);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await cluster?.stop();
});

const state = (page, key) => page.evaluate((k) => window.IC.room._state[k], key);
const myName = (page) => page.evaluate(() => {
  const S = window.IC.room._state;
  return decodeURIComponent(S.users[S.me].n);
});

async function setDescription(page, text) {
  await page.click('#description-edit');
  await page.fill('#description-input', text);
  await page.click('#description-form button[type=submit]');
}

// Ana creates an open room (she is its creator) and a password room; Ben joins the open one.
async function setUp(tag) {
  const room = uniqueRoom(tag);
  const locked = uniqueRoom(`${tag}-locked`);
  const ana = await newUser(browser);
  await ana.page.goto(cluster.base + '/');
  await ana.page.fill('#room-name', room);
  await ana.page.fill('#nickname', 'Ana Keeps');
  await ana.page.click('#join-button');
  await waitJoined(ana.page);
  const ben = await newUser(browser);
  await openRoom(ben.page, cluster.base, room);
  await sendMessage(ana.page, `${tag}: first`);
  await sendMessage(ben.page, `${tag}: second`);
  await card(ana.page, `${tag}: second`).waitFor();
  await setDescription(ana.page, `${tag} before`);
  await ben.page.locator('#description-text', { hasText: `${tag} before` }).waitFor();

  const owner = await newUser(browser);
  await owner.page.goto(cluster.base + '/');
  await owner.page.fill('#room-name', locked);
  await owner.page.fill('#room-password', 'open sesame');
  await owner.page.click('#join-button');
  await waitJoined(owner.page);
  await owner.page.locator('#password-badge').waitFor({ state: 'visible' });
  await sendMessage(owner.page, `${tag}: locked history`);

  const before = {
    anaId: await state(ana.page, 'me'),
    anaName: await myName(ana.page),
    benId: await state(ben.page, 'me'),
    creator: await state(ben.page, 'creator')
  };
  assert.equal(before.anaName, 'Ana Keeps');
  assert.equal(before.creator, before.anaId, 'Ana created the room');
  return { room, locked, ana, ben, owner, before };
}

// After the room came back: the same people under the same names, Ana still the creator, every
// message still there, and the room working (a new message, a description only she may change).
async function checkKept(t, tag) {
  const { ana, ben, owner, before } = t;
  for (const page of [ana.page, ben.page, owner.page]) await waitJoined(page, 60000);
  assert.equal(await state(ana.page, 'me'), before.anaId, 'Ana keeps her user id');
  assert.equal(await state(ben.page, 'me'), before.benId, 'Ben keeps his user id');
  assert.equal(await myName(ana.page), 'Ana Keeps', 'Ana keeps her name');
  assert.equal(await state(ben.page, 'creator'), before.anaId, 'Ana is still the creator');
  assert.equal(await state(ana.page, 'creator'), before.anaId);
  for (const text of [`${tag}: first`, `${tag}: second`]) {
    await card(ana.page, text).waitFor();
    await card(ben.page, text).waitFor();
  }
  // A fresh page reads the history from the server, not from what the pages kept on screen.
  const carl = await newUser(browser);
  await openRoom(carl.page, cluster.base, t.room);
  await card(carl.page, `${tag}: first`).waitFor({ timeout: 20000 });
  await card(carl.page, `${tag}: second`).waitFor({ timeout: 20000 });
  await carl.context.close();

  await setDescription(ana.page, `${tag} after`);
  await ben.page.locator('#description-text', { hasText: `${tag} after` }).waitFor({ timeout: 20000 });
  await sendMessage(ben.page, `${tag}: after`);
  await card(ana.page, `${tag}: after`).waitFor({ timeout: 20000 });

  // The password room: its owner is back in it, a newcomer still meets the password gate.
  await card(owner.page, `${tag}: locked history`).waitFor();
  const stranger = await newUser(browser);
  await stranger.page.goto(`${cluster.base}/${encodeURIComponent(t.locked)}`);
  await stranger.page.locator('#password-gate').waitFor({ state: 'visible', timeout: 30000 });
  assert.equal(await state(stranger.page, 'joined'), false, 'the password room stays locked');
  await stranger.page.fill('#gate-password', 'open sesame');
  await stranger.page.click('#gate-submit');
  await waitJoined(stranger.page, 30000);
  await card(stranger.page, `${tag}: locked history`).waitFor({ timeout: 20000 });
  await stranger.context.close();
}

test('handoff: SIGTERM on the room\'s server, the page keeps room, name, creator rights and history', { timeout: 240000 }, async () => {
  const t = await setUp('handoff');
  const holder = await cluster.holderOf(t.room);
  assert.ok(holder >= 0, 'the balancer names one of the servers for the room');
  // The balancer spreads rooms: when the password room lives on another server, that one is
  // stopped as well (the open room may move twice then, which it must survive too).
  const lockedHolder = await cluster.holderOf(t.locked);
  await cluster.stopServer(holder, 'SIGTERM');
  if (lockedHolder !== holder) await cluster.stopServer(lockedHolder, 'SIGTERM');
  await checkKept(t, 'handoff');
  assert.notEqual(await cluster.holderOf(t.room), holder, 'the room lives elsewhere now');
  // Back to three servers for the next test.
  await cluster.startServer(holder);
  if (lockedHolder !== holder) await cluster.startServer(lockedHolder);
  for (const u of [t.ana, t.ben, t.owner]) await u.context.close();
});
