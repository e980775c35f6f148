#!/usr/bin/env node
// A real browser on the example page: headless Chromium, driven with
// playwright-core. Loads URL, waits until the page is connected and shows
// each text given with --expect, then sends --send through the page's form.
// Prints what it saw, one line each (with --positions, each record's offset
// too, then how many records the page shows and where it stands); exits 1 on a timeout, 2 (saying what
// to install) when playwright-core or Chromium is missing. With
// IGNORE_CERTIFICATES=1 it accepts any certificate (a test's own, for
// https:// and wss://).
"use strict";
const fs = require("fs");

const need = require("./need");

const { chromium } = need("playwright-core");
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";

async function main() {
  const args = process.argv.slice(2);
  const url = args.shift();
  const expect = [], send = [];
  let positions = false;
  while (args.length) {
    const flag = args.shift();
    if (flag === "--positions") positions = true;
    else (flag === "--expect" ? expect : send).push(args.shift());
  }
  const ignore = process.env.IGNORE_CERTIFICATES === "1";
  if (!fs.existsSync(executablePath)) {
    console.error(`Chromium is missing (${executablePath}): apt-get install chromium (scripts/setup-deps does it)`);
    process.exit(2);
  }
  const browser = await chromium.launch({
    executablePath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"]
      .concat(ignore ? ["--ignore-certificate-errors"] : []),
  });
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: ignore });
    const page = await context.newPage();
    await page.goto(url);
    const protocol = await page.evaluate(
      () => performance.getEntriesByType("navigation")[0].nextHopProtocol);
    console.log("page over " + protocol);
    await page.waitForSelector("#status.open", { timeout: 10000 });
    console.log(await page.textContent("#status"));
    if (process.env.READY_FILE) fs.writeFileSync(process.env.READY_FILE, "");
    for (const text of expect) {
      const li = await page.waitForSelector(`#records li:text-is("${text}")`, { timeout: 10000 });
      const at = positions ? " at " + await li.getAttribute("data-offset") : "";
      console.log("saw " + text + at);
    }
    if (positions) {
      console.log("records " + await page.locator("#records li").count());
      console.log(await page.textContent("#position"));
    }
    for (const text of send) {
      await page.fill("#message", text);
      await page.click("button");
      console.log("sent " + text);
    }
    // Everything sent has left the page before the browser goes away.
    await page.waitForFunction(() => window.rxws.bufferedAmount === 0);
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  console.error(String(err));
  process.exit(1);
});
