#!/usr/bin/env node
// ofd-verify.js: what ofd.js (npm ofd.js 0.2.6, run in headless Chromium) says of OFD files.
//
//   node ofd-verify.js FILE.ofd...      prints one JSON document on stdout
//   (env OFDJS_SCREENSHOTS=DIR: also saves each file's rendered pages as DIR/<name>.png):
//   { "ofdjs": "0.2.6", "chromium": "...", "files": [ { "file", "error"?, "signatures": [
//       { signatureID, BaseLoc,
//         message,            // the demo viewer's words: 文件摘要值验证成功|失败 签名值验证成功|失败
//         VerifyRet,          // ofd.js: the signer's SM2 (or RSA) signature over TBS_Sign verifies
//         digestCheck,        // ofd.js: every Reference's CheckValue recomputed and equal
//         referencesChecked, referencesInSignatureXml,
//         shownByOfdJs,       // ofd.js parsed the seal and placed its stamps
//         stampsDrawn,        // seal images ofd.js's renderOfd drew for it
//         picture, sesVersion, provider, signatureMethod, esID,
//         dataHash, dataHashMatches  // harness check, not ofd.js's (0.2.6 does not make it):
//                                    // SES dataHash = SM3(Signature.xml as stored)
//       } ], "renderError"? } ] }
//
// A small HTTP server on 127.0.0.1 (random port) serves harness.html, the ofd.js bundle and
// each file; playwright-core drives /usr/bin/chromium (env CHROMIUM overrides).
// Exit 0 when every file was parsed (whatever the verdicts), 1 when one could not be,
// 2 on a setup error (node_modules or chromium missing).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');
const zlib = require('zlib');

const HERE = __dirname;
const NM = path.join(HERE, 'node_modules');
const INSTALL = 'run `npm ci --prefix tests/interop` (scripts/setup does)';

function die(msg, code = 2) { process.stderr.write('ofd-verify: ' + msg + '\n'); process.exit(code); }

let chromium;
try { ({ chromium } = require(path.join(NM, 'playwright-core'))); }
catch (e) { die('playwright-core is not installed: ' + INSTALL); }
const OFDJS = path.join(NM, 'ofd.js', 'lib', 'ofd.umd.min.js');
if (!fs.existsSync(OFDJS)) die(`${OFDJS} is missing: ${INSTALL}`);
const ofdjsVersion = JSON.parse(fs.readFileSync(path.join(NM, 'ofd.js', 'package.json'))).version;

// --- a minimal ZIP reader (central directory; stored and deflated entries) -----------------
function unzip(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('not a zip file');
  const n = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = new Map();
  for (let k = 0; k < n; k++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory');
    const method = buf.readUInt16LE(p + 10), csize = buf.readUInt32LE(p + 20);
    const nlen = buf.readUInt16LE(p + 28), xlen = buf.readUInt16LE(p + 30), clen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nlen);
    entries.set(name, () => {
      const d = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const raw = buf.subarray(d, d + csize);
      return method === 0 ? raw : zlib.inflateRawSync(raw);
    });
    p += 46 + nlen + xlen + clen;
  }
  return { has: (f) => entries.has(f), read: (f) => { const e = entries.get(f); if (!e) throw new Error(`${f}: not in the package`); return e(); } };
}

function sm3hex(b) { return crypto.createHash('sm3').update(b).digest('hex'); }
const text = (b) => b.toString('utf8');
const attr = (tag, a) => { const m = tag.match(new RegExp(`\\s${a}\\s*=\\s*"([^"]*)"`)); return m ? m[1] : null; };
function resolve(base, loc) {
  loc = loc.trim();
  if (loc.startsWith('/')) return path.posix.normalize(loc.slice(1));
  return path.posix.normalize(path.posix.join(path.posix.dirname(base), loc));
}

// per signature ID: BaseLoc, the number of References in Signature.xml, SM3(Signature.xml)
function structure(buf) {
  const z = unzip(buf);
  const out = {};
  const ofdXml = text(z.read('OFD.xml'));
  for (const body of ofdXml.match(/<(?:\w+:)?DocBody[\s>][\s\S]*?<\/(?:\w+:)?DocBody>/g) || []) {
    const root = (body.match(/<(?:\w+:)?DocRoot>([^<]*)</) || [])[1];
    const sigs = (body.match(/<(?:\w+:)?Signatures>([^<]*)</) || [])[1];
    if (!sigs) continue;
    let sigsPath = resolve('', sigs);
    if (!z.has(sigsPath) && root) sigsPath = resolve(resolve('', root), sigs);
    const list = text(z.read(sigsPath));
    for (const tag of list.match(/<(?:\w+:)?Signature\s[^>]*>/g) || []) {
      const id = attr(tag, 'ID'), loc = attr(tag, 'BaseLoc');
      let f = resolve(sigsPath, loc);
      if (!z.has(f)) f = resolve('', loc);
      const x = z.read(f);
      out[id] = { BaseLoc: loc, references: (text(x).match(/<(?:\w+:)?Reference[\s>]/g) || []).length,
                  signatureXmlSm3: sm3hex(x) };
    }
  }
  return out;
}

// --- the browser side -------------------------------------------------------------------
const files = process.argv.slice(2);
if (files.length === 0) die('usage: node ofd-verify.js FILE.ofd...');
for (const f of files) if (!fs.existsSync(f)) die(`${f}: no such file`);

const routes = {
  '/': { type: 'text/html; charset=utf-8', body: fs.readFileSync(path.join(HERE, 'harness.html')) },
  '/lib/ofd.js': { type: 'text/javascript; charset=utf-8', body: fs.readFileSync(OFDJS) },
  '/favicon.ico': { type: 'image/x-icon', body: Buffer.alloc(0) },
};
files.forEach((f, i) => { routes[`/file/${i}.ofd`] = { type: 'application/ofd', body: fs.readFileSync(f) }; });
const server = http.createServer((req, res) => {
  const hit = routes[req.url.split('?')[0]];
  if (!hit) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'Content-Type': hit.type, 'Content-Length': hit.body.length, 'Cache-Control': 'no-store' });
  res.end(hit.body);
});

async function main() {
  const exe = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(exe)) die(`${exe} is missing: run \`apt-get install -y chromium\` (scripts/setup does)`);
  await new Promise((ok, ko) => { server.once('error', ko); server.listen(0, '127.0.0.1', ok); });
  const base = `http://127.0.0.1:${server.address().port}`;
  let browser;
  try {
    browser = await chromium.launch({ executablePath: exe, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  } catch (e) { server.close(); die('cannot start ' + exe + ': ' + e.message.split('\n')[0]); }
  const out = { ofdjs: ofdjsVersion, chromium: browser.version(), files: [] };
  let failed = 0;
  try {
    for (let i = 0; i < files.length; i++) {
      const rec = { file: files[i] };
      const logs = [];
      const page = await browser.newPage();   // a fresh page per file: ofd.js keeps globals
      page.on('pageerror', (e) => logs.push('pageerror: ' + e.message.split('\n')[0]));
      try {
        const st = structure(fs.readFileSync(files[i]));
        const expected = Object.fromEntries(Object.entries(st).map(([id, s]) => [id, s.references]));
        await page.goto(base + '/', { waitUntil: 'load' });
        await page.waitForFunction(() => window.harnessReady === true && typeof window.ofd === 'object',
          null, { timeout: 30000 });
        const r = await page.evaluate(([u, e]) => window.verifyOfd(u, e), [`/file/${i}.ofd`, expected]);
        for (const s of r.signatures) {
          const x = st[s.signatureID];
          s.BaseLoc = x ? x.BaseLoc : null;
          // the SES dataHash as ofd.js dumps it: a BIT STRING keeps its unused-bits octet 00
          const dh = s.dataHash && s.dataHash.length === 66 && s.dataHash.startsWith('00') ? s.dataHash.slice(2) : s.dataHash;
          s.dataHashMatches = x && dh ? dh === x.signatureXmlSm3 : null;
        }
        rec.signatures = r.signatures;
        if (process.env.OFDJS_SCREENSHOTS)   // the pages as ofd.js drew them, for the caller
          await page.screenshot({ fullPage: true,
            path: path.join(process.env.OFDJS_SCREENSHOTS, path.basename(files[i], '.ofd') + '.png') });
        if (r.renderError) rec.renderError = r.renderError;
      } catch (e) {
        rec.error = String(e && e.message || e).split('\n')[0];
        failed++;
      }
      if (logs.length) rec.pageErrors = logs.slice(0, 5);
      out.files.push(rec);
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  process.stdout.write(JSON.stringify(out, null, 1) + '\n');
  process.exit(failed ? 1 : 0);
}
main().catch((e) => die(String(e && e.stack || e)));
