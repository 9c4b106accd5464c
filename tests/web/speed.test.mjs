// Speed of the web UI: compressed, cacheable static files, and a 1,000-message room. Figures
// are printed (never asserted: this machine is shared); asserted are the headers that make
// caching and compression work, and that a join or rename by someone else leaves the existing
// message cards alone (no full re-render).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launchBrowser, newUser, uniqueRoom, openRoom, waitJoined } from './stack.mjs';

let stack;
let browser;

before(async () => {
  stack = await startStack('speed');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

const report = (line) => console.log(`# report: ${line}`);

test('static files: gzip when accepted, ETag, Cache-Control, 304 on If-None-Match', async () => {
  const url = `${stack.base}/static/js/room-list.js?v=1`;
  const gz = await fetch(url, { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
  await gz.arrayBuffer();
  assert.equal(gz.status, 200);
  assert.equal(gz.headers.get('content-encoding'), 'gzip');
  assert.match(gz.headers.get('vary') || '', /Accept-Encoding/i);
  assert.equal(gz.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const etag = gz.headers.get('etag');
  assert.match(etag || '', /^"[^"]+"$/);

  const plain = await fetch(url, { headers: { 'Accept-Encoding': 'identity' } });
  const plainBody = await plain.text();
  assert.equal(plain.headers.get('content-encoding'), null);
  assert.ok(plainBody.includes('IC.roomList'), 'the file itself when gzip is not accepted');
  assert.notEqual(plain.headers.get('etag'), etag, 'each encoding has its own validator');

  const again = await fetch(url, { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  assert.equal((await again.arrayBuffer()).byteLength, 0);
  assert.equal(again.headers.get('etag'), etag);

  // Unversioned assets and pages: revalidated on every use.
  const bare = await fetch(`${stack.base}/static/css/app.css`, { headers: { 'Accept-Encoding': 'gzip' } });
  await bare.arrayBuffer();
  assert.equal(bare.headers.get('cache-control'), 'no-cache');
  assert.equal(bare.headers.get('content-encoding'), 'gzip');

  const page = await fetch(`${stack.base}/`, { headers: { 'Accept-Encoding': 'gzip' } });
  await page.arrayBuffer();
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  assert.equal(page.headers.get('content-encoding'), 'gzip');
  const cookie = page.headers.get('set-cookie').split(';')[0];
  const page304 = await fetch(`${stack.base}/some-room`, {
    headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': page.headers.get('etag'), Cookie: cookie }
  });
  assert.equal(page304.status, 304);
  // Without a session cookie the page is sent whole: it hands one out.
  const fresh = await fetch(`${stack.base}/some-room`, {
    headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': page.headers.get('etag') }
  });
  await fresh.arrayBuffer();
  assert.equal(fresh.status, 200);
  assert.ok(fresh.headers.get('set-cookie'));
});

// Bytes on the wire (compressed size plus headers) of every request a page load makes.
async function countTransfer(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Performance.enable');
  const total = { bytes: 0, requests: 0, cdp };
  cdp.on('Network.loadingFinished', (e) => { total.bytes += e.encodedDataLength; total.requests += 1; });
  return total;
}

test('first page load and reload: bytes transferred (printed)', async () => {
  const { page, context } = await newUser(browser);
  const first = await countTransfer(page);
  const room = uniqueRoom('bytes');
  await openRoom(page, stack.base, room);
  await page.waitForLoadState('networkidle');
  report(`first load of a room page: ${first.bytes} bytes in ${first.requests} requests (target < 100 KB)`);
  const again = { bytes: first.bytes, requests: first.requests };
  await page.reload();
  await waitJoined(page);
  await page.waitForLoadState('networkidle');
  report(`reload: ${first.bytes - again.bytes} bytes in ${first.requests - again.requests} requests`);
  await context.close();
});

test('1,000-message room: cold load and join cost (printed); joins and renames keep the cards', { timeout: 240000 }, async () => {
  const room = uniqueRoom('thousand');
  const filler = await newUser(browser);
  await openRoom(filler.page, stack.base, room);
  await filler.page.evaluate((name) => {
    const S = window.IC.room._state;
    const P = window.IC.protocol;
    for (let i = 1; i <= 1000; i++) {
      S.conn.send(P.textFrame('TM', { name, password: '' }, 0, `message number ${i}: some ordinary chat text`));
    }
  }, room);
  await filler.page.waitForFunction(() => window.IC.room._state.messages.length >= 1000, null, { timeout: 120000 });

  // Shown and interactive: joined (the composer sends) and the newest message's card is there.
  // `cdp`: also the CPU time the page's main thread used until then (less dependent on how busy
  // the machine is than wall time: its other work only stretches the wall clock).
  const loadRoom = async (page, cdp) => {
    await page.waitForFunction(() => {
      const S = window.IC && window.IC.room && window.IC.room._state;
      const last = S && S.joined && S.messages.length >= 1000 && S.messages[S.messages.length - 1];
      return !!last && !!document.getElementById('msg-' + last.id);
    }, null, { timeout: 60000, polling: 'raf' });
    const usable = await page.evaluate(() => performance.now());
    let cpu = NaN;
    if (cdp) {
      const { metrics } = await cdp.send('Performance.getMetrics');
      cpu = 1000 * metrics.find((m) => m.name === 'ThreadTime').value;
    }
    await page.waitForFunction(() => document.querySelectorAll('#stream-list .msg').length >= 1000, null, { timeout: 60000 });
    const all = await page.evaluate(() => performance.now());
    // The older cards came in, in order, above the newest ones.
    const ids = await page.evaluate(() => Array.from(document.querySelectorAll('#stream-list .msg'), (c) => Number(c.dataset.id)));
    assert.deepEqual(ids, ids.slice().sort((a, b) => a - b), 'cards in message order');
    assert.equal(ids.length, 1000);
    return { usable, all, cpu };
  };
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const show = (runs, key) => `${Math.round(median(runs.map((r) => r[key])))} ms (runs ${runs.map((r) => Math.round(r[key])).join(', ')})`;

  // Cold: a fresh browser context each time (empty cache, new session), times from navigation start.
  const cold = [];
  let watcher;
  let transfer;
  for (let i = 0; i < 3; i++) {
    if (watcher) await watcher.context.close();
    watcher = await newUser(browser);
    transfer = await countTransfer(watcher.page);
    await watcher.page.goto(`${stack.base}/${room}`);
    cold.push(await loadRoom(watcher.page, transfer.cdp));
  }
  report(`1,000-message room cold (median of 3): newest screenful shown and interactive after ${show(cold, 'usable')} ` +
    `(navigation start; target < 1,000 ms; main-thread CPU time until then ${show(cold, 'cpu')}), ` +
    `all 1,000 cards after ${show(cold, 'all')}; ` +
    `${transfer.bytes} bytes in ${transfer.requests} requests`);
  // Reload: the same page again, its files from the cache.
  const warm = [];
  for (let i = 0; i < 3; i++) {
    await watcher.page.reload();
    warm.push(await loadRoom(watcher.page));
  }
  report(`1,000-message room reload (median of 3): shown and interactive after ${show(warm, 'usable')}, ` +
    `all 1,000 cards after ${show(warm, 'all')}`);
  await waitJoined(watcher.page);

  // Keep the 1,000 card nodes and time the watcher's handling of member frames.
  const cdp = await watcher.context.newCDPSession(watcher.page);
  await cdp.send('Performance.enable');
  await watcher.page.evaluate(() => {
    window.kept = Array.from(document.querySelectorAll('#stream-list .msg'));
    const h = window.IC.room._state.conn.h;
    const handle = h.onFrame;
    window.memberFrameMs = [];
    // The handler's time, then with the style and layout work it leaves for the next frame done
    // at once (reading offsetHeight forces it): what the member frame costs the page in all.
    h.onFrame = (f) => {
      const member = f.c === 'R_M_D' || f.c === 'R_M_CH';
      const t0 = performance.now();
      handle(f);
      if (!member) return;
      const t1 = performance.now();
      void document.body.offsetHeight;
      window.memberFrameMs.push([t1 - t0, performance.now() - t0]);
    };
  });
  // Task time is wall time of the watcher's main-thread tasks (stretched when the machine is
  // busy); thread time is the CPU time that thread actually used.
  const metric = async (name) => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return 1000 * metrics.find((m) => m.name === name).value;
  };
  const taskMs = () => metric('TaskDuration');
  const cpuMs = () => metric('ThreadTime');
  const keptCards = () => watcher.page.evaluate(() =>
    window.kept.filter((n) => n.isConnected && document.getElementById(n.id) === n).length);

  const before = await taskMs();
  const beforeCpu = await cpuMs();
  const joiner = await newUser(browser);
  await openRoom(joiner.page, stack.base, room);
  const joinerName = await joiner.page.evaluate(() => {
    const S = window.IC.room._state;
    return decodeURIComponent(S.users[S.me].n);
  });
  await watcher.page.locator('#user-list .user-name', { hasText: joinerName }).waitFor();
  await watcher.page.waitForTimeout(300);
  const joinTask = (await taskMs()) - before;
  const joinCpu = (await cpuMs()) - beforeCpu;
  const joinFrames = await watcher.page.evaluate(() => window.memberFrameMs.splice(0));
  const frameMs = (frames) => frames.map(([handler, withLayout]) => `${handler.toFixed(1)} ms (with layout ${withLayout.toFixed(1)} ms)`).join(', ');
  report(`a join by someone else in that room: member frame handling ${frameMs(joinFrames)}; ` +
    `main-thread task time over the join ${joinTask.toFixed(1)} ms, CPU time ${joinCpu.toFixed(1)} ms (incl. 300 ms idle; target < 16 ms)`);
  assert.equal(await keptCards(), 1000, 'a join leaves every card node in place');

  const beforeRename = await taskMs();
  const beforeRenameCpu = await cpuMs();
  await joiner.page.click('#rename-open');
  await joiner.page.fill('#rename-input', 'Newcomer Renamed');
  await joiner.page.press('#rename-input', 'Enter');
  await watcher.page.locator('#user-list .user-name', { hasText: 'Newcomer Renamed' }).waitFor();
  await watcher.page.waitForTimeout(300);
  const renameTask = (await taskMs()) - beforeRename;
  const renameCpu = (await cpuMs()) - beforeRenameCpu;
  const renameFrames = await watcher.page.evaluate(() => window.memberFrameMs.splice(0));
  report(`a rename by someone else: member frame handling ${frameMs(renameFrames)}; ` +
    `main-thread task time ${renameTask.toFixed(1)} ms, CPU time ${renameCpu.toFixed(1)} ms (incl. 300 ms idle)`);
  assert.equal(await keptCards(), 1000, 'a rename of someone without messages leaves every card node in place');

  // The author of the messages renames: their cards change, and show the new name.
  await filler.page.click('#rename-open');
  await filler.page.fill('#rename-input', 'Author Renamed');
  await filler.page.press('#rename-input', 'Enter');
  await watcher.page.locator('#user-list .user-name', { hasText: 'Author Renamed' }).waitFor();
  await watcher.page.locator('#stream-list .msg .msg-author', { hasText: 'Author Renamed' }).first().waitFor();
  for (const u of [filler, watcher, joiner]) await u.context.close();
});
