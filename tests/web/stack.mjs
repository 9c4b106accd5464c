// Shared helper for the browser tests: starts the real instantchat stack (one server, one
// balancer) from a build directory, and drives Debian's Chromium through playwright-core.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const buildDir = path.resolve(process.env.INSTANTCHAT_BUILD_DIR || path.join(repoRoot, 'build'));
export const artifactsDir = path.join(here, 'artifacts');
export const screenshotsDir = path.join(here, 'screenshots');
// The web files the balancer serves: the repository's own unless told (to compare two versions).
export const webRoot = path.resolve(process.env.INSTANTCHAT_WEB_ROOT || path.join(repoRoot, 'web'));
fs.mkdirSync(artifactsDir, { recursive: true });

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitHealthy(url, proc, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${url}: process exited with ${proc.exitCode}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (e) {
      last = e.message;
    }
    await sleep(100);
  }
  throw new Error(`${url} not healthy after ${timeoutMs} ms (${last})`);
}

function launch(name, bin, args, logName) {
  const exe = path.join(buildDir, 'bin', bin);
  if (!fs.existsSync(exe)) {
    throw new Error(`${exe} is missing: build it first (or set INSTANTCHAT_BUILD_DIR)`);
  }
  const log = fs.createWriteStream(path.join(artifactsDir, logName), { flags: 'a' });
  log.write(`\n--- ${new Date().toISOString()} ${exe} ${args.join(' ')}\n`);
  const proc = spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.pipe(log, { end: false });
  proc.stderr.pipe(log, { end: false });
  proc.on('exit', () => log.end());
  return proc;
}

function stopProcess(proc, signal = 'SIGTERM', timeoutMs = 8000) {
  return new Promise((resolve) => {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) { resolve(); return; }
    const timer = setTimeout(() => { try { proc.kill('SIGKILL'); } catch { /* gone */ } }, timeoutMs);
    proc.once('exit', () => { clearTimeout(timer); resolve(); });
    try { proc.kill(signal); } catch { clearTimeout(timer); resolve(); }
  });
}

/**
 * Start a balancer and one server on free loopback ports.
 * Returns { base, bport, sport, stopServer(signal), startServer(), stop() }.
 */
export async function startStack(tag = 'stack') {
  const sport = await freePort();
  // freePort() releases the port it found, so two calls can return the same one.
  let bport = await freePort();
  while (bport === sport) bport = await freePort();
  const base = `http://localhost:${bport}`;
  const serverArgs = ['--port', String(sport), '--bind', '127.0.0.1', '--allowed-origins', base,
    '--rate-limits', 'off', '--log-level', 'warning'];
  const balancerArgs = ['--port', String(bport), '--bind', '127.0.0.1', '--servers', `127.0.0.1:${sport}`,
    '--web-root', webRoot, '--public-url', base, '--rate-limits', 'off',
    // Test machines are often busy compiling; host CPU near 100 % must not make the only
    // server "too busy" for placement, or every test would fail for the wrong reason.
    '--load-ceiling', '1'];

  const stack = { base, bport, sport, server: null, balancer: null };
  stack.startServer = async () => {
    stack.server = launch('server', 'instantchat-server', serverArgs, `${tag}-server.log`);
    await waitHealthy(`http://127.0.0.1:${sport}/healthz`, stack.server);
  };
  stack.stopServer = async (signal = 'SIGKILL') => {
    await stopProcess(stack.server, signal);
    stack.server = null;
  };
  stack.stop = async () => {
    await Promise.all([stopProcess(stack.balancer), stopProcess(stack.server)]);
  };

  await stack.startServer();
  stack.balancer = launch('balancer', 'instantchat-balancer', balancerArgs, `${tag}-balancer.log`);
  try {
    await waitHealthy(`http://127.0.0.1:${bport}/healthz`, stack.balancer);
  } catch (e) {
    await stack.stop();
    throw e;
  }
  return stack;
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync']
  });
}

/** A fresh browser context = a fresh session cookie = another person. */
export async function newUser(browser, opts = {}) {
  const context = await browser.newContext({
    viewport: opts.viewport || { width: 1366, height: 768 },
    colorScheme: opts.colorScheme || 'light',
    acceptDownloads: true
  });
  // Generous limits: shared CI machines are often busy compiling, and a slow step is not a failure.
  context.setDefaultTimeout(45000);
  context.setDefaultNavigationTimeout(90000);
  const page = await context.newPage();
  page.errors = [];
  page.dialogs = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  // A stray alert() would hang the page; record it (the XSS test asserts there is none).
  page.on('dialog', (d) => { page.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  return { context, page };
}

export function uniqueRoom(prefix = 'room') {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Open a room page directly and wait until the join was confirmed (RP). */
export async function openRoom(page, base, room) {
  await page.goto(`${base}/${encodeURIComponent(room)}`);
  await waitJoined(page);
}

export async function waitJoined(page, timeout = 45000) {
  await page.waitForFunction(() => window.IC && window.IC.room && window.IC.room._state.joined === true, null, { timeout });
}

/** Type into the composer and press Enter; resolves once the server confirmed (composer cleared). */
export async function sendMessage(page, text) {
  await page.fill('#composer-input', text);
  await page.press('#composer-input', 'Enter');
  await page.waitForFunction(() => document.querySelector('#composer-input').value === '', null, { timeout: 30000 });
}

/** The card of the newest message whose body contains text. */
export function card(page, text) {
  return page.locator('.msg', { has: page.locator('.msg-body', { hasText: text }) }).last();
}

export async function myUid(page) {
  return page.evaluate(() => window.IC.room._state.me);
}

/**
 * A balancer and `count` room servers that register with it by heartbeats (as in production), for
 * room moves and crashes. Returns { base, bport, servers: [{ id, port, proc }], holderOf(room),
 * stopServer(i, signal), startServer(i), stop() }.
 */
export async function startCluster(tag = 'cluster', count = 3) {
  const bport = await freePort();
  const base = `http://localhost:${bport}`;
  const balancerArgs = ['--port', String(bport), '--bind', '127.0.0.1', '--servers', '',
    '--web-root', webRoot, '--public-url', base, '--rate-limits', 'off',
    '--load-ceiling', '1'];
  const cluster = { base, bport, servers: [] };
  cluster.balancer = launch('balancer', 'instantchat-balancer', balancerArgs, `${tag}-balancer.log`);
  for (let i = 0; i < count; i++) {
    let port = await freePort();
    while (port === bport || cluster.servers.some((s) => s.port === port)) port = await freePort();
    cluster.servers.push({ id: `${tag}-s${i + 1}`, port, proc: null });
  }
  cluster.startServer = async (i) => {
    const s = cluster.servers[i];
    s.proc = launch('server', 'instantchat-server', ['--port', String(s.port), '--bind', '127.0.0.1',
      '--allowed-origins', base, '--rate-limits', 'off', '--log-level', 'warning',
      '--balancer', `http://127.0.0.1:${bport}`, '--server-id', s.id], `${tag}-${s.id}.log`);
    // A server's /healthz is 200 only once the balancer accepted its heartbeat.
    await waitHealthy(`http://127.0.0.1:${s.port}/healthz`, s.proc);
  };
  cluster.stopServer = async (i, signal = 'SIGTERM') => {
    await stopProcess(cluster.servers[i].proc, signal, 30000);
    cluster.servers[i].proc = null;
  };
  // Index of the server the balancer names for the room (it holds it or is about to).
  cluster.holderOf = async (room) => {
    const res = await fetch(`http://127.0.0.1:${bport}/pick_backend?roomName=${encodeURIComponent(room)}`);
    const { bA } = await res.json();
    return cluster.servers.findIndex((s) => bA && bA.endsWith(`:${s.port}`));
  };
  cluster.stop = async () => {
    await Promise.all([stopProcess(cluster.balancer), ...cluster.servers.map((s) => stopProcess(s.proc))]);
  };
  try {
    await waitHealthy(`http://127.0.0.1:${bport}/healthz`, cluster.balancer);
    for (let i = 0; i < count; i++) await cluster.startServer(i);
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}
