// The room page with two (or three) people: presence, messages, edits, replies, votes,
// creator rights, plain-HTTP messages, awareness and rendering safety.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startStack, launchBrowser, newUser, uniqueRoom, openRoom, waitJoined, sendMessage, card, myUid } from './stack.mjs';

let stack;
let browser;
let alice; // creator
let bob;
let room;

before(async () => {
  stack = await startStack('room');
  browser = await launchBrowser();
  room = uniqueRoom('room');
  alice = await newUser(browser);
  bob = await newUser(browser);

  // Alice creates the room from the home page with a nickname.
  await alice.page.goto(stack.base + '/');
  await alice.page.fill('#room-name', room);
  await alice.page.fill('#nickname', 'Alice');
  await alice.page.click('#join-button');
  await alice.page.waitForURL(stack.base + '/' + room);
  await waitJoined(alice.page);

  // Bob follows the shared link.
  await openRoom(bob.page, stack.base, room);
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

test('both people see each other online, creator and "you" marked', async () => {
  const a = alice.page;
  const b = bob.page;
  await a.locator('#online-count').filter({ hasText: '2 online' }).waitFor();
  await b.locator('#online-count').filter({ hasText: '2 online' }).waitFor();
  assert.equal(await a.locator('#room-title').textContent(), room);
  const aliceEntryOnBob = b.locator('#user-list .user', { hasText: 'Alice' });
  await aliceEntryOnBob.waitFor();
  assert.match(await aliceEntryOnBob.textContent(), /creator/);
  assert.match(await aliceEntryOnBob.textContent(), /online/);
  const me = b.locator('#user-list .user.is-me');
  assert.match(await me.textContent(), /you/);
  assert.match(await me.textContent(), /anon/, 'Bob got a random anonymous name');
  // The creation time is written once the page is idle after its first draw.
  await a.locator('#started-at').filter({ hasText: /\d{1,2}:\d{2}/ }).waitFor();
  assert.equal(await a.locator('#started-meta').isVisible(), true, 'started-at shows a time');
  assert.equal(a.errors.length + b.errors.length, 0, 'no page errors: ' + a.errors.concat(b.errors).join('; '));
});

test('copy link puts the room URL on the clipboard', async () => {
  const a = alice.page;
  await alice.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.base });
  await a.click('#copy-link');
  await a.locator('#toast', { hasText: 'Link copied' }).waitFor();
  assert.equal(await a.evaluate(() => navigator.clipboard.readText()), `${stack.base}/${room}`);
});

test('send, then edit with the button and with ArrowUp', async () => {
  const a = alice.page;
  const b = bob.page;
  await sendMessage(a, 'first version');
  const onBob = card(b, 'first version');
  await onBob.waitFor();
  assert.match(await onBob.locator('.msg-author').textContent(), /Alice/);

  await card(a, 'first version').locator('.act-edit').click();
  assert.equal(await a.inputValue('#composer-input'), 'first version');
  await a.locator('#composer-context').filter({ hasText: 'Editing message' }).waitFor();
  await sendMessage(a, 'second version');
  await card(b, 'second version').waitFor();
  assert.equal(await b.locator('.msg-body', { hasText: 'first version' }).count(), 0);
  assert.match(await card(b, 'second version').locator('.msg-edited').textContent(), /edited/);

  // Escape leaves edit mode without saving.
  await card(a, 'second version').locator('.act-edit').click();
  await a.fill('#composer-input', 'not saved');
  await a.press('#composer-input', 'Escape');
  assert.equal(await a.locator('#composer-context').isHidden(), true);
  assert.equal(await a.inputValue('#composer-input'), '', 'the (empty) draft is back');
  await a.waitForTimeout(300);
  assert.equal(await b.locator('.msg-body', { hasText: 'not saved' }).count(), 0);

  // ArrowUp in an empty composer edits the last own message.
  await a.fill('#composer-input', '');
  await a.press('#composer-input', 'ArrowUp');
  assert.equal(await a.inputValue('#composer-input'), 'second version');
  await sendMessage(a, 'third version');
  await card(b, 'third version').waitFor();
  assert.equal(await b.locator('.msg-body', { hasText: 'second version' }).count(), 0);
});

test('delete asks for confirmation and leaves a placeholder', async () => {
  const a = alice.page;
  const b = bob.page;
  await sendMessage(a, 'to be deleted');
  const id = await card(a, 'to be deleted').getAttribute('data-id');
  await card(b, 'to be deleted').waitFor();

  await card(a, 'to be deleted').locator('.act-delete').click();
  await a.locator('#confirm-dialog').waitFor({ state: 'visible' });
  await a.click('#confirm-dialog .confirm-cancel');
  await a.waitForTimeout(300);
  assert.equal(await b.locator(`#msg-${id} .msg-body`).textContent(), 'to be deleted', 'cancel keeps it');

  await a.locator(`#msg-${id} .act-delete`).click();
  await a.click('#confirm-dialog .confirm-ok');
  await b.locator(`#msg-${id}.is-deleted`).waitFor();
  assert.match(await b.locator(`#msg-${id}`).textContent(), /deleted/);
  assert.doesNotMatch(await b.locator(`#msg-${id}`).textContent(), /to be deleted/);
});

test('reply to a user from the people list; the addressee sees a highlighted mention', async () => {
  const a = alice.page;
  const b = bob.page;
  await b.locator('#user-list .user-pick', { hasText: 'Alice' }).click();
  await b.locator('#composer-context').filter({ hasText: 'Replying to @Alice' }).waitFor();
  await sendMessage(b, 'hello Alice, a reply');
  const onAlice = card(a, 'hello Alice, a reply');
  await onAlice.waitFor();
  assert.match(await onAlice.locator('.msg-reply').textContent(), /to @Alice/);
  assert.ok(await onAlice.evaluate((el) => el.classList.contains('is-mention')), 'mention highlighted');
  assert.match(await onAlice.textContent(), /mentions you/, 'mention is not shown by colour alone');
  assert.ok(!(await card(b, 'hello Alice, a reply').evaluate((el) => el.classList.contains('is-mention'))), 'not a mention for the author');
  assert.equal(await b.locator('#composer-context').isHidden(), true, 'reply banner cleared after sending');
});

test('quote shows ">> #id", author and snippet; clicking it jumps to the original', async () => {
  const a = alice.page;
  const b = bob.page;
  await sendMessage(a, 'the original statement that is long enough to be cut short');
  const origId = await card(a, 'the original statement').getAttribute('data-id');
  await card(b, 'the original statement').locator('.act-quote').click();
  await b.press('#composer-input', 'Escape');
  assert.equal(await b.locator('#composer-context').isHidden(), true, 'Escape cancels the quote');
  await card(b, 'the original statement').locator('.act-quote').click();
  await sendMessage(b, 'quoting you');
  // Push the original out of view.
  for (let i = 0; i < 12; i++) await sendMessage(b, 'filler ' + i);
  const quote = card(a, 'quoting you').locator('.msg-quote');
  const qt = await quote.textContent();
  assert.match(qt, new RegExp('>> #' + origId));
  assert.match(qt, /Alice:/);
  assert.match(qt, /the original statement that is…/);
  await a.locator('#stream').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await quote.click();
  const orig = a.locator('#msg-' + origId);
  await a.waitForFunction((id) => document.getElementById('msg-' + id).classList.contains('is-highlight'), origId);
  await a.waitForTimeout(700);
  const inView = await orig.evaluate((el) => {
    const s = document.getElementById('stream').getBoundingClientRect();
    const r = el.getBoundingClientRect();
    return r.top >= s.top - 1 && r.bottom <= s.bottom + 1;
  });
  assert.ok(inView, 'the original is scrolled into view');

  // Deleting the original turns the quote into "message unavailable".
  await a.locator(`#msg-${origId} .act-delete`).click();
  await a.click('#confirm-dialog .confirm-ok');
  await b.locator('.msg-quote.is-unavailable', { hasText: 'message unavailable' }).waitFor();
});

test('votes toggle, own messages cannot be voted, the picks panel follows live', async () => {
  const a = alice.page;
  const b = bob.page;
  await sendMessage(a, 'vote on me');
  const id = await card(a, 'vote on me').getAttribute('data-id');
  await card(b, 'vote on me').waitFor();
  assert.equal(await b.locator(`#msg-${id} .act-support`).count(), 1);
  const bobMsg = await card(b, 'filler 11').getAttribute('data-id');
  assert.equal(await b.locator(`#msg-${bobMsg} .act-support`).count(), 0, 'no vote buttons on my own message');

  await b.locator(`#msg-${id} .act-support`).click();
  await a.locator(`#msg-${id} .act-support .n`, { hasText: '1' }).waitFor();
  await a.locator('#picks-list .pick', { hasText: 'vote on me' }).waitFor();
  assert.match(await a.locator('#picks-list .pick', { hasText: 'vote on me' }).textContent(), /support 1 · reject 0/);

  // The opposite vote moves it.
  await b.locator(`#msg-${id} .act-reject`).click();
  await a.locator('#picks-list .pick', { hasText: 'support 0 · reject 1' }).waitFor();
  // The same vote again withdraws it: the message leaves the picks panel.
  await b.locator(`#msg-${id} .act-reject`).click();
  await a.waitForFunction((i) => !document.querySelector(`#picks-list .pick[data-target="${i}"]`), id);

});

test('the creator pins her own message; others cannot', async () => {
  const a = alice.page;
  const b = bob.page;
  await sendMessage(a, 'pinned announcement');
  const id = await card(a, 'pinned announcement').getAttribute('data-id');
  const pin = a.locator(`#msg-${id} .act-support`);
  assert.match(await pin.textContent(), /Pin/);
  await pin.click();
  await b.locator('#picks-list .pick', { hasText: 'pinned announcement' }).waitFor({ state: 'attached' });
  await a.locator('#picks-list .pick', { hasText: 'pinned announcement' }).click();
  await a.waitForFunction((i) => document.getElementById('msg-' + i).classList.contains('is-highlight'), id);
});

test('only the creator edits the description; everybody sees it', async () => {
  const a = alice.page;
  const b = bob.page;
  assert.equal(await b.locator('#description-edit').isVisible(), false, 'Bob has no edit button');
  await a.click('#description-edit');
  await a.fill('#description-input', 'Weekly planning — be kind');
  await a.click('#description-form button[type=submit]');
  await b.locator('#description-text', { hasText: 'Weekly planning — be kind' }).waitFor();
  assert.equal(await b.locator('#description-edit').isVisible(), false);
  // Too long: stays in the form with a sentence.
  await a.click('#description-edit');
  await a.fill('#description-input', 'x'.repeat(401));
  assert.match(await a.locator('#description-count').textContent(), /401 \/ 400/);
  await a.click('#description-form button[type=submit]');
  await a.locator('#description-error', { hasText: '400 characters' }).waitFor();
  await a.click('#description-cancel');
  assert.equal(await b.locator('#description-text').textContent(), 'Weekly planning — be kind');
});

test('rename inline: the new name shows in the list, on messages and as a notice', async () => {
  const a = alice.page;
  const b = bob.page;
  await b.click('#rename-open');
  await b.fill('#rename-input', 'Alice');
  await b.press('#rename-input', 'Enter');
  await b.locator('#rename-error', { hasText: 'already taken' }).waitFor();
  await b.fill('#rename-input', 'Bob');
  await b.press('#rename-input', 'Enter');
  await a.locator('#user-list .user', { hasText: 'Bob' }).waitFor();
  await a.locator('.notice', { hasText: 'is now known as Bob' }).waitFor();
  assert.equal(await card(a, 'filler 11').locator('.msg-author').textContent(), 'Bob');
  assert.equal(await b.locator('#my-name').textContent(), 'Bob');
  assert.doesNotMatch(await b.locator('#user-list .user.is-me').textContent(), /anon/);
});

test('a message sent with /s/ (plain HTTP) appears live; external-user is not a member', async () => {
  const a = alice.page;
  const before = await a.locator('#member-count').textContent();
  const res = await fetch(`${stack.base}/s/${encodeURIComponent(room)}?m=${encodeURIComponent('sensor says 21.5 °C')}`);
  assert.equal(res.status, 200);
  const c = card(a, 'sensor says 21.5 °C');
  await c.waitFor();
  assert.match(await c.locator('.msg-author').textContent(), /external-user/);
  assert.equal(await a.locator('#member-count').textContent(), before);
  assert.equal(await a.locator('#user-list .user', { hasText: 'external-user' }).count(), 0);
});

test('links are safe anchors without trailing punctuation; a single emoji is enlarged', async () => {
  const a = alice.page;
  const b = bob.page;
  await sendMessage(a, 'docs at https://example.org/a_(b)/c?x=1. and (see https://example.com/x), ok\nsecond line');
  const body = card(b, 'docs at').locator('.msg-body');
  const links = await body.locator('a').evaluateAll((els) => els.map((e) => ({ href: e.getAttribute('href'), rel: e.rel, target: e.target })));
  assert.deepEqual(links.map((l) => l.href), ['https://example.org/a_(b)/c?x=1', 'https://example.com/x']);
  for (const l of links) {
    assert.equal(l.target, '_blank');
    assert.match(l.rel, /noopener/);
  }
  assert.match(await body.evaluate((el) => el.innerText), /ok\nsecond line/, 'line break kept');
  // Shift+Enter makes a new line instead of sending.
  await a.fill('#composer-input', 'line one');
  await a.press('#composer-input', 'Shift+Enter');
  await a.locator('#composer-input').pressSequentially('line two');
  assert.equal(await a.inputValue('#composer-input'), 'line one\nline two');
  await a.press('#composer-input', 'Enter');
  await card(b, 'line two').waitFor();
  assert.match(await card(b, 'line two').locator('.msg-body').evaluate((el) => el.innerText), /line one\nline two/);
  // Consecutive messages of one author are grouped; today's messages sit under "Today".
  assert.ok(await card(b, 'line two').evaluate((el) => el.classList.contains('is-grouped')), 'grouped with the previous card');
  assert.ok(await b.locator('.day-sep', { hasText: 'Today' }).count() >= 1, 'day separator');
  await sendMessage(a, '🎉');
  assert.ok(await card(b, '🎉').locator('.msg-body').evaluate((el) => el.classList.contains('is-emoji')));
});

test('unread count in the title while the tab is hidden; reset when visible again', async () => {
  const a = alice.page;
  const b = bob.page;
  await b.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await sendMessage(a, 'unread one');
  await sendMessage(a, 'unread two');
  await b.waitForFunction(() => document.title.startsWith('(2) '));
  assert.match(await b.title(), new RegExp('^\\(2\\) ' + room));
  await b.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await b.waitForFunction(() => !document.title.startsWith('('));
});

test('"N new messages" bar when scrolled up', async () => {
  const a = alice.page;
  const b = bob.page;
  await b.locator('#stream').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await b.locator('#new-messages').waitFor({ state: 'hidden' });
  // Scroll up like a reader does (a wheel gesture, not a programmatic jump).
  await b.locator('#stream').hover();
  await b.mouse.wheel(0, -3000);
  await b.waitForFunction(() => document.getElementById('stream').scrollTop < 50);
  await sendMessage(a, 'while you were reading');
  await b.locator('#new-messages', { hasText: '1 new message' }).waitFor();
  await b.click('#new-messages');
  await b.locator('#new-messages').waitFor({ state: 'hidden' });
  const atBottom = await b.locator('#stream').evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 48);
  assert.ok(atBottom);
});

test('search in loaded messages: count, next/previous, no results', async () => {
  const a = alice.page;
  await a.click('#search-toggle');
  await a.fill('#search-input', 'filler');
  await a.locator('#search-status', { hasText: '12 matches' }).waitFor();
  await a.press('#search-input', 'Enter');
  assert.equal(await a.locator('#search-status').textContent(), '12 of 12');
  await a.click('#search-prev');
  assert.equal(await a.locator('#search-status').textContent(), '11 of 12');
  assert.equal(await a.locator('.msg.is-search-current .msg-body').textContent(), 'filler 10');
  await a.fill('#search-input', 'zzz-nothing');
  await a.locator('#search-status', { hasText: 'No results' }).waitFor();
  await a.press('#search-input', 'Escape');
  assert.equal(await a.locator('#search-bar').isHidden(), true);
});

test('emoji picker shows the shared table, searches and inserts at the caret', async () => {
  const a = alice.page;
  // The one table of the repository (the desktop app compiles in the same file).
  const table = readFileSync(new URL('../../shared/emoji/emoji.txt', import.meta.url), 'utf8')
    .split('\n').filter((line) => line.trim() !== '' && !line.startsWith('# '))
    .map((line) => line.split(' ')[0]);
  assert.ok(table.length >= 300);
  await a.fill('#composer-input', 'ab');
  await a.locator('#composer-input').evaluate((el) => el.setSelectionRange(1, 1));
  await a.click('#emoji-toggle');
  const buttons = a.locator('#emoji-picker .emoji-btn');
  // Fetched when the picker first opens.
  await buttons.first().waitFor();
  assert.deepEqual(await buttons.evaluateAll((els) => els.map((el) => el.getAttribute('data-emoji'))), table);
  // Every word must match a keyword (the desktop app's rule): "thumbs down" is one emoji.
  await a.fill('#emoji-search', 'thumbs down');
  assert.deepEqual(await buttons.evaluateAll((els) => els.map((el) => el.getAttribute('data-emoji'))), ['👎']);
  await a.fill('#emoji-search', 'party');
  await a.locator('#emoji-picker .emoji-btn[data-emoji="🥳"]').click();
  assert.equal(await a.inputValue('#composer-input'), 'a🥳b');
  await a.click('#emoji-toggle');
  await a.fill('#emoji-search', 'qqqq');
  assert.equal(await a.locator('#emoji-picker .emoji-empty').isVisible(), true);
  await a.press('#emoji-search', 'Escape');
  await a.fill('#composer-input', '');
});

test('draft is kept per room across reloads; counter appears near the limit', async () => {
  const { page } = await newUser(browser);
  await openRoom(page, stack.base, room);
  await page.fill('#composer-input', 'half-written thought');
  await page.reload();
  await waitJoined(page);
  assert.equal(await page.inputValue('#composer-input'), 'half-written thought');
  // Another room has its own (empty) draft.
  await openRoom(page, stack.base, room + '-other');
  assert.equal(await page.inputValue('#composer-input'), '');
  await page.fill('#composer-input', 'y'.repeat(8500));
  assert.equal(await page.locator('#char-counter').textContent(), '8500 / 10000');
  await page.fill('#composer-input', 'y'.repeat(10001));
  await page.press('#composer-input', 'Enter');
  await page.locator('#composer-error', { hasText: '10,000' }).waitFor();
  assert.equal((await page.inputValue('#composer-input')).length, 10001, 'text kept on error');
  await page.context().close();
});

test('download the chat as a text file', async () => {
  const a = alice.page;
  const [download] = await Promise.all([a.waitForEvent('download'), a.click('#download-chat')]);
  assert.match(download.suggestedFilename(), /\.txt$/);
  const file = await download.path();
  const text = (await import('node:fs')).readFileSync(file, 'utf8');
  assert.match(text, /Alice: pinned announcement/);
  assert.match(text, /external-user: sensor says 21.5 °C/);
});

test('the same room in a second tab: the older tab offers "use here"', async () => {
  const older = bob.page;
  const newer = await bob.context.newPage();
  await openRoom(newer, stack.base, room);
  await older.locator('#replaced-banner').waitFor({ state: 'visible' });
  assert.match(await older.locator('#replaced-banner').textContent(), /another tab/);
  assert.equal(await older.locator('#conn-banner').isHidden(), true, 'no reconnect loop in the older tab');
  await older.waitForTimeout(1500);
  assert.equal(await newer.locator('#replaced-banner').isHidden(), true);
  // Enter in the displaced tab queues nothing: it says why and keeps the text.
  await older.fill('#composer-input', 'typed in the displaced tab');
  await older.press('#composer-input', 'Enter');
  await older.locator('#composer-error', { hasText: 'another tab' }).waitFor();
  assert.equal(await older.evaluate(() => window.IC.room._state.queued === true), false, 'nothing queued');
  assert.equal(await older.inputValue('#composer-input'), 'typed in the displaced tab');
  await older.fill('#composer-input', '');

  await older.click('#replaced-banner .use-here');
  await waitJoined(older);
  await newer.locator('#replaced-banner').waitFor({ state: 'visible' });
  assert.equal(await older.locator('#replaced-banner').isHidden(), true);
  await sendMessage(older, 'back in the first tab');
  await card(alice.page, 'back in the first tab').waitFor();
  await newer.close();
});

test('leaving marks the user offline for the others', async () => {
  const a = alice.page;
  const { page: carol } = await newUser(browser);
  await openRoom(carol, stack.base, room);
  await a.locator('#online-count', { hasText: '3 online' }).waitFor();
  const carolUid = await myUid(carol);
  await carol.click('#leave-room');
  await carol.waitForURL(stack.base + '/');
  await a.locator('#online-count', { hasText: '2 online' }).waitFor();
  assert.match(await a.locator(`#user-list .user[data-uid="${carolUid}"]`).textContent(), /offline/);
  await a.locator('.notice', { hasText: ' left' }).last().waitFor({ state: 'attached' });
  // Recent rooms on the home page list the room.
  await carol.locator('#recent-list .recent-name', { hasText: room }).first().waitFor();
});

test('names, messages and descriptions that look like HTML render as text', async () => {
  const evil = '<img src=x onerror="window.__xss=1;alert(1)">';
  const { page: mallory } = await newUser(browser);
  await mallory.goto(stack.base + '/');
  const xroom = uniqueRoom('xss');
  await mallory.fill('#room-name', xroom);
  await mallory.fill('#nickname', evil.slice(0, 60));
  await mallory.click('#join-button');
  await waitJoined(mallory);
  await sendMessage(mallory, evil + '<script>window.__xss=2</script>');
  await mallory.click('#description-edit');
  await mallory.fill('#description-input', evil);
  await mallory.click('#description-form button[type=submit]');

  const { page: victim } = await newUser(browser);
  await openRoom(victim, stack.base, xroom);
  await victim.locator('#description-text', { hasText: '<img' }).waitFor();
  await card(victim, '<script>').waitFor();
  await victim.waitForTimeout(500);
  assert.equal(await victim.evaluate(() => window.__xss), undefined);
  assert.equal(await victim.locator('img[src="x"]').count(), 0);
  assert.equal(await victim.locator('.msg script, #description-text *').count(), 0);
  assert.equal(await card(victim, '<script>').locator('.msg-body').textContent(), evil + '<script>window.__xss=2</script>');
  assert.match(await victim.locator('#user-list').textContent(), /<img src=x/);
  assert.deepEqual(victim.dialogs, []);
  assert.deepEqual(mallory.dialogs, []);
});
