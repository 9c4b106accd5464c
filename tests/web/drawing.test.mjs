// Drawings: pad tools, upload + DM, thumbnail on the other side, full size, PNG download,
// white background in dark theme, placeholder for a missing drawing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startStack, launchBrowser, newUser, uniqueRoom, openRoom } from './stack.mjs';

let stack;
let browser;

before(async () => {
  stack = await startStack('drawing');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

async function stroke(page, from, to) {
  const box = await page.locator('#drawing-dialog canvas').boundingBox();
  await page.mouse.move(box.x + box.width * from[0], box.y + box.height * from[1]);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) {
    const t = i / 8;
    await page.mouse.move(box.x + box.width * (from[0] + (to[0] - from[0]) * t), box.y + box.height * (from[1] + (to[1] - from[1]) * t));
  }
  await page.mouse.up();
}

// Share of non-white pixels: tells whether strokes are really on the canvas.
function inkOf(page) {
  return page.locator('#drawing-dialog canvas').evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) ink++;
    return ink;
  });
}

test('draw with undo/redo/clear, send, see it on the other side and download it as PNG', async () => {
  const room = uniqueRoom('draw');
  const artist = await newUser(browser);
  const viewer = await newUser(browser, { colorScheme: 'dark' });
  await openRoom(artist.page, stack.base, room);
  await openRoom(viewer.page, stack.base, room);
  const a = artist.page;
  const v = viewer.page;

  await a.click('#open-drawing');
  await a.locator('#drawing-dialog').waitFor({ state: 'visible' });
  assert.equal(await a.locator('#drawing-dialog .pad-send').isDisabled(), true, 'nothing to send yet');
  await stroke(a, [0.1, 0.2], [0.8, 0.3]);
  const one = await inkOf(a);
  assert.ok(one > 100, 'first stroke drawn');
  await a.click('#drawing-dialog .pad-swatch[aria-label="Red"]');
  await a.locator('#drawing-dialog .pad-width').fill('20');
  await stroke(a, [0.2, 0.7], [0.9, 0.8]);
  const two = await inkOf(a);
  assert.ok(two > one, 'second, wider stroke adds ink');
  await a.click('#drawing-dialog .pad-undo');
  assert.equal(await inkOf(a), one, 'undo removes the last stroke');
  await a.click('#drawing-dialog .pad-redo');
  assert.equal(await inkOf(a), two, 'redo brings it back');
  await a.click('#drawing-dialog .pad-eraser');
  assert.equal(await a.getAttribute('#drawing-dialog .pad-eraser', 'aria-pressed'), 'true');
  await stroke(a, [0.1, 0.2], [0.8, 0.3]);
  assert.ok(await inkOf(a) < two, 'eraser removes ink');
  await a.click('#drawing-dialog .pad-undo');
  await a.click('#drawing-dialog .pad-pen');

  // Clear asks first; cancelling keeps the drawing.
  await a.click('#drawing-dialog .pad-clear');
  await a.locator('#confirm-dialog').waitFor({ state: 'visible' });
  await a.click('#confirm-dialog .confirm-cancel');
  assert.equal(await inkOf(a), two);

  await a.click('#drawing-dialog .pad-send');
  await a.locator('#drawing-dialog').waitFor({ state: 'hidden' });

  const thumb = v.locator('.msg .drawing-thumb img');
  await thumb.waitFor({ timeout: 30000 });
  assert.match(await thumb.getAttribute('src'), /^data:image\/png;base64,/);
  assert.equal(await v.locator('.msg-body', { hasText: 'meta_marker' }).count(), 0, 'the raw marker is never shown');
  // Dark theme, but the drawing sits on white.
  assert.equal(await v.getAttribute('html', 'data-theme'), 'dark');
  assert.equal(await v.locator('.drawing-thumb').evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(255, 255, 255)');

  // Full size view.
  await v.locator('.drawing-thumb').click();
  await v.locator('#image-dialog').waitFor({ state: 'visible' });
  const natural = await v.locator('#image-dialog img').evaluate((img) => [img.naturalWidth, img.naturalHeight]);
  assert.deepEqual(natural, [960, 600]);
  await v.locator('#image-dialog .image-close').first().click();

  // PNG download.
  const [download] = await Promise.all([v.waitForEvent('download'), v.locator('.msg .drawing-download').click()]);
  assert.match(download.suggestedFilename(), /\.png$/);
  const bytes = fs.readFileSync(await download.path());
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a real PNG file');

  // A drawing that cannot be found shows a placeholder, never the marker.
  await a.evaluate(() => {
    const S = window.IC.room._state;
    const P = window.IC.protocol;
    S.conn.send(P.textFrame('DM', { name: S.room, password: '' }, 0, P.drawingText('doesNotExist123', S.rId), null, null));
  });
  await v.locator('.drawing-missing').waitFor({ timeout: 30000 });
  assert.match(await v.locator('.drawing-missing').textContent(), /unavailable/);
  assert.equal(await v.locator('.msg-body', { hasText: 'meta_marker' }).count(), 0);
  assert.deepEqual(a.errors.concat(v.errors), []);
});
