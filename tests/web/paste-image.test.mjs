// An image pasted into or dropped onto the composer becomes a drawing: preview, Send or Cancel,
// then the same upload + DM path as the drawing pad. Over-large images are scaled to the drawing
// limits (2048 px, 1 MiB PNG); a file that is no readable image is refused with a sentence.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launchBrowser, newUser, uniqueRoom, openRoom } from './stack.mjs';

let stack;
let browser;

before(async () => {
  stack = await startStack('paste');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

// Make an image file in the page (a gradient with a red block, or random noise that PNG cannot
// compress) and hand it to the composer by a synthetic paste or drop.
function deliver(page, how, spec) {
  return page.evaluate(async ({ how, spec }) => {
    let file;
    if (spec.garbage) {
      file = new File([new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])], 'broken.png', { type: 'image/png' });
    } else {
      const c = document.createElement('canvas');
      c.width = spec.w;
      c.height = spec.h;
      const g = c.getContext('2d');
      if (spec.noise) {
        const img = g.createImageData(spec.w, spec.h);
        for (let i = 0; i < img.data.length; i++) img.data[i] = Math.random() * 256;
        g.putImageData(img, 0, 0);
      } else {
        g.fillStyle = '#2f80ed';
        g.fillRect(0, 0, spec.w, spec.h);
        g.fillStyle = '#d64545';
        g.fillRect(0, 0, spec.w / 2, spec.h / 2);
      }
      const blob = await new Promise((resolve) => c.toBlob(resolve, 'image/png'));
      file = new File([blob], 'pasted.png', { type: 'image/png' });
    }
    const dt = new DataTransfer();
    dt.items.add(file);
    if (how === 'paste') {
      const input = document.querySelector('#composer-input');
      input.focus();
      const ev = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true });
      input.dispatchEvent(ev);
      return ev.defaultPrevented;
    }
    const target = document.querySelector('#composer');
    target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    const ev = new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true });
    target.dispatchEvent(ev);
    return ev.defaultPrevented;
  }, { how, spec });
}

const drawingCount = (page) => page.locator('#stream-list .msg .drawing-thumb img').count();

test('paste and drop an image: preview, cancel sends nothing, send posts a drawing; large ones are scaled', { timeout: 240000 }, async () => {
  const room = uniqueRoom('paste');
  const sender = await newUser(browser);
  const viewer = await newUser(browser);
  await openRoom(sender.page, stack.base, room);
  await openRoom(viewer.page, stack.base, room);
  const s = sender.page;
  const v = viewer.page;
  const dialog = s.locator('#paste-dialog');

  // Paste, look at the preview, cancel: nothing is sent.
  assert.equal(await deliver(s, 'paste', { w: 300, h: 200 }), true, 'the paste is taken over');
  await dialog.waitFor({ state: 'visible' });
  assert.deepEqual(await s.locator('#paste-dialog .paste-preview').evaluate(async (img) => {
    await img.decode();
    return [img.naturalWidth, img.naturalHeight];
  }), [300, 200]);
  assert.match(await s.locator('#paste-dialog .paste-note').textContent(), /300 × 200 px/);
  await s.click('#paste-dialog .paste-cancel >> nth=1');
  await dialog.waitFor({ state: 'hidden' });
  await v.waitForTimeout(500);
  assert.equal(await drawingCount(v), 0, 'cancel sends nothing');

  // Paste again and send: the viewer gets a drawing of that size.
  await deliver(s, 'paste', { w: 300, h: 200 });
  await dialog.waitFor({ state: 'visible' });
  await s.click('#paste-dialog .paste-send');
  await dialog.waitFor({ state: 'hidden' });
  const first = v.locator('#stream-list .msg .drawing-thumb img').first();
  await first.waitFor({ timeout: 30000 });
  assert.deepEqual(await first.evaluate(async (img) => { await img.decode(); return [img.naturalWidth, img.naturalHeight]; }), [300, 200]);
  // The pixels came through: top-left red, bottom-right blue.
  const px = await first.evaluate((img) => {
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    return [Array.from(g.getImageData(10, 10, 1, 1).data), Array.from(g.getImageData(290, 190, 1, 1).data)];
  });
  assert.deepEqual(px, [[214, 69, 69, 255], [47, 128, 237, 255]]);

  // Drop a wide image: scaled to 2048 px wide, said in the dialog.
  assert.equal(await deliver(s, 'drop', { w: 3000, h: 1000 }), true, 'the drop is taken over');
  await dialog.waitFor({ state: 'visible' });
  const note = await s.locator('#paste-dialog .paste-note').textContent();
  report(`dropped 3000 × 1000: ${note}`);
  assert.match(note, /Scaled down from 3000 × 1000 to 2048 × 683 px/);
  await s.click('#paste-dialog .paste-send');
  await dialog.waitFor({ state: 'hidden' });
  await v.waitForFunction(() => document.querySelectorAll('#stream-list .msg .drawing-thumb img').length === 2, null, { timeout: 30000 });
  assert.deepEqual(await v.locator('#stream-list .msg .drawing-thumb img').nth(1)
    .evaluate(async (img) => { await img.decode(); return [img.naturalWidth, img.naturalHeight]; }), [2048, 683]);

  // Noise does not compress: scaled until the PNG fits 1 MiB, then accepted by the balancer.
  await deliver(s, 'paste', { w: 1400, h: 1400, noise: true });
  await dialog.waitFor({ state: 'visible' });
  const noiseNote = await s.locator('#paste-dialog .paste-note').textContent();
  report(`pasted 1400 × 1400 noise (~7.8 MB as PNG): ${noiseNote}`);
  const bytes = await s.locator('#paste-dialog .paste-preview').evaluate((img) => Math.floor(img.src.split(',')[1].length * 3 / 4));
  report(`its PNG: ${bytes} bytes`);
  assert.ok(bytes <= 1024 * 1024, 'within --drawing-max-bytes');
  assert.match(noiseNote, /Scaled down from 1400 × 1400 to/);
  await s.click('#paste-dialog .paste-send');
  await dialog.waitFor({ state: 'hidden' });
  await v.waitForFunction(() => document.querySelectorAll('#stream-list .msg .drawing-thumb img').length === 3, null, { timeout: 30000 });

  // A file that claims to be an image but is not: refused with a sentence, no dialog.
  await deliver(s, 'paste', { garbage: true });
  await s.locator('#composer-error', { hasText: 'not an image this browser can read' }).waitFor();
  assert.equal(await dialog.isVisible(), false);

  // Text still pastes as text (the handler leaves it alone).
  const textPasteTaken = await s.evaluate(() => {
    const dt = new DataTransfer();
    dt.setData('text/plain', 'hello');
    const ev = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true });
    document.querySelector('#composer-input').dispatchEvent(ev);
    return ev.defaultPrevented;
  });
  assert.equal(textPasteTaken, false);
  assert.equal(await drawingCount(s), 3, 'the sender sees its three drawings too');
  assert.deepEqual(s.errors.concat(v.errors), []);
  await sender.context.close();
  await viewer.context.close();
});

const report = (line) => console.log(`# report: ${line}`);
