#!/usr/bin/env node
// Headless Chromium (playwright-core) on the history test page
// (tests/peers/history.html): loads URL and waits until the page has been
// given the number N (--until N), then writes what it was given.
//
//   history_page.js URL --until N --dir DIR [--hold FILE] [--timeout SECS]
//
// With --hold, it goes on until FILE is there too (a test that is not done
// with the page when N comes).
// While it runs, DIR/progress holds "received R last L opens O gaps G
// lives V state S" (S: the module's status.state), rewritten atomically
// every 50 ms, and DIR/ready appears once the page is live. At the end: DIR/got, a line "NUMBER OFFSET" per message in the
// order given; DIR/gaps, a line "FROM TO COUNT REASON" per gap; DIR/lives,
// a line "POSITION REPLAYED" per connection's live notice; DIR/events, the
// page's timeline; DIR/stats, the module's counters (JSON). Exits 0 once
// N came, 1 on a timeout (SECS, 60) or an error, 2 (saying what to
// install) when playwright-core or Chromium is missing.
"use strict";
const fs = require("fs");
const path = require("path");

const need = require("./need");

const { chromium } = need("playwright-core");
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";

function put(file, text) {
  fs.writeFileSync(file + ".tmp", text);
  fs.renameSync(file + ".tmp", file);
}

async function main() {
  const args = process.argv.slice(2);
  const url = args.shift();
  let until = 0, dir = ".", timeout = 60, hold = null;
  while (args.length) {
    const flag = args.shift(), value = args.shift();
    if (flag === "--until") until = Number(value);
    else if (flag === "--dir") dir = value;
    else if (flag === "--timeout") timeout = Number(value);
    else if (flag === "--hold") hold = value;
    else throw new Error("unknown option " + flag);
  }
  if (!fs.existsSync(executablePath)) {
    console.error(`Chromium is missing (${executablePath}): apt-get install chromium (scripts/setup-deps does it)`);
    process.exit(2);
  }
  fs.mkdirSync(dir, { recursive: true });
  const file = (name) => path.join(dir, name);
  const browser = await chromium.launch({
    executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
  let ok = false;
  let page;
  try {
    page = await (await browser.newContext()).newPage();
    page.on("console", (m) => console.error(`console ${m.type()}: ${m.text()}`));
    page.on("pageerror", (e) => console.error(`page error: ${e}`));
    await page.goto(url);
    const deadline = Date.now() + timeout * 1000;
    let ready = false;
    for (;;) {
      const p = await page.evaluate(() => window.rec && {
        received: rec.numbers.length, last: rec.last, opens: rec.opens,
        gaps: rec.gaps.length, lives: rec.lives.length, state: client.status.state,
      });
      if (p) {
        put(file("progress"), `received ${p.received} last ${p.last} opens ${p.opens} ` +
            `gaps ${p.gaps} lives ${p.lives} state ${p.state}\n`);
        if (!ready && p.lives > 0) {
          put(file("ready"), "");
          ready = true;
        }
        if (p.last >= until && until > 0 && (!hold || fs.existsSync(hold))) {
          ok = true;
          break;
        }
      }
      if (Date.now() > deadline) {
        console.error(`timed out after ${timeout}s waiting for ${until}: ${JSON.stringify(p)}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    if (page) {
      const r = await page.evaluate(() => ({
        got: rec.numbers.map((n, i) => n + " " + rec.offsets[i]).join("\n"),
        gaps: rec.gaps.map((g) => `${g.from} ${g.to} ${g.count === null ? "?" : g.count} ${g.reason}`),
        lives: rec.lives.map((l) => `${l.position} ${l.replayed}`),
        events: rec.events, stats: client.stats, bad: rec.bad.slice(0, 10), epochs: rec.epochs,
      })).catch((e) => ({ got: "", gaps: [], lives: [], events: [String(e)], stats: {} }));
      const lines = (a) => a.map((l) => l + "\n").join("");
      put(file("got"), r.got ? r.got + "\n" : "");
      put(file("gaps"), lines(r.gaps));
      put(file("lives"), lines(r.lives));
      put(file("events"), lines(r.events));
      put(file("stats"), JSON.stringify(Object.assign({ bad: r.bad, epochs: r.epochs }, r.stats)) + "\n");
    }
    await browser.close();
  }
  process.exit(ok ? 0 : 1);
}

main().catch((err) => {
  console.error(String(err));
  process.exit(1);
});
