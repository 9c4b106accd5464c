// Light formatting (docs/formatting.md): code spans, code blocks, bold, italics, quote lines.
// Built from elements and text nodes only: markup typed inside each form stays text. Unbalanced
// markers and markers inside code stay literal; /r/ (plain HTTP) gets the raw text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launchBrowser, newUser, uniqueRoom, openRoom, sendMessage, card } from './stack.mjs';

let stack;
let browser;

before(async () => {
  stack = await startStack('formatting');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

const XSS = '<img src=x onerror="window.__xss=1">';

// The shape of a message body: elements as <tag>…</tag>, text as is; classes left out.
function shape(page, text) {
  return card(page, text).locator('.msg-body').evaluate((body) => {
    const walk = (n) => Array.from(n.childNodes).map((c) => (c.nodeType === 3 ? c.data
      : `<${c.localName}>${walk(c)}</${c.localName}>`)).join('');
    return walk(body);
  });
}

test('bold, italics, code, code blocks and quotes render as elements; markup inside each stays text', async () => {
  const room = uniqueRoom('fmt');
  const writer = await newUser(browser);
  const reader = await newUser(browser, { colorScheme: 'dark' });
  await openRoom(writer.page, stack.base, room);
  await openRoom(reader.page, stack.base, room);
  const r = reader.page;

  const cases = [
    ['fmt1 **bold** and *it* and _it2_', 'fmt1 <strong>bold</strong> and <em>it</em> and <em>it2</em>'],
    ['fmt2 use `a **b** c` here', 'fmt2 use <code>a **b** c</code> here'],
    ['fmt3 ``a`b`` twice', 'fmt3 <code>a`b</code> twice'],
    ['fmt4 *a **b** c* end', 'fmt4 <em>a <strong>b</strong> c</em> end'],
    ['fmt5 snake_case_name 2*3*4 a * b * c **open `tick _x', 'fmt5 snake_case_name 2*3*4 a * b * c **open `tick _x'],
    ['fmt6\n```js\nlet x = **1**; // *no*\n  indented > kept\n```\nafter', 'fmt6<pre><code>let x = **1**; // *no*\n  indented > kept</code></pre>after'],
    ['fmt7\n> quoted **bold**\n> second\n>> #12 not a quote', 'fmt7<blockquote>quoted <strong>bold</strong>\nsecond</blockquote>>> #12 not a quote'],
    ['```\nfmt8 never closed `x', '```\nfmt8 never closed `x'],
    ['fmt9 **see https://example.org/a_b_c**', 'fmt9 <strong>see <a>https://example.org/a_b_c</a></strong>'],
    // Markup typed inside every form: shown as characters, never parsed.
    [`xss1 **${XSS}**`, `xss1 <strong>${XSS}</strong>`],
    [`xss2 *${XSS}* _${XSS}_`, `xss2 <em>${XSS}</em> <em>${XSS}</em>`],
    [`xss3 \`${XSS}\``, `xss3 <code>${XSS}</code>`],
    [`xss4\n\`\`\`\n${XSS}<script>window.__xss=2</script>\n\`\`\``, `xss4<pre><code>${XSS}<script>window.__xss=2</script></code></pre>`],
    [`xss5\n> ${XSS}`, `xss5<blockquote>${XSS}</blockquote>`]
  ];
  for (const [text] of cases) await sendMessage(writer.page, text);
  for (const [text, want] of cases) {
    const marker = text.match(/(fmt|xss)\d/)[0];
    await card(r, marker).waitFor();
    assert.equal(await shape(r, marker), want, `rendering of ${JSON.stringify(text)}`);
  }
  // No element came from user text: no img/script anywhere in the stream, nothing ran.
  assert.equal(await r.locator('#stream-list .msg-body img, #stream-list .msg-body script').count(), 0);
  assert.equal(await r.evaluate(() => window.__xss), undefined);
  assert.deepEqual(r.dialogs, []);
  // The code block keeps its spaces and is monospace; the link is safe.
  const pre = card(r, 'fmt6').locator('pre');
  assert.match(await pre.evaluate((e) => getComputedStyle(e).fontFamily), /mono/i);
  const a = card(r, 'fmt9').locator('.msg-body a');
  assert.equal(await a.getAttribute('href'), 'https://example.org/a_b_c');
  assert.equal(await a.getAttribute('rel'), 'noopener noreferrer');

  // Search, quote snippets and the plain-HTTP view work on the raw text.
  const res = await fetch(`${stack.base}/r/${encodeURIComponent(room)}?format=json&quite=true`);
  const body = await res.json();
  const texts = body.messages.map((m) => m.text);
  assert.ok(texts.includes('fmt1 **bold** and *it* and _it2_'), '/r/ shows the raw text');
  assert.ok(texts.includes(`xss1 **${XSS}**`));
  assert.deepEqual(writer.page.errors.concat(r.errors), []);
  await writer.context.close();
  await reader.context.close();
});
