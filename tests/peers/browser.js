#!/usr/bin/env node
// A real browser on the example page: headless Chromium, driven with
// playwright-core. Loads URL, waits until the page is connected and shows
// each text given with --expect, then sends --send through the page's form.
// Prints what it saw, one line each; exits 1 on a timeout.
"use strict";
const { chromium } = require("playwright-core");

async function main() {
  const args = process.argv.slice(2);
  const url = args.shift();
  const expect = [], send = [];
  while (args.length) {
    const flag = args.shift();
    (flag === "--expect" ? expect : send).push(args.shift());
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForSelector("#status.open", { timeout: 10000 });
    console.log("connected");
    if (process.env.READY_FILE) require("fs").writeFileSync(process.env.READY_FILE, "");
    for (const text of expect) {
      await page.waitForSelector(`#records li:text-is("${text}")`, { timeout: 10000 });
      console.log("saw " + text);
    }
    for (const text of send) {
      await page.fill("#message", text);
      await page.click("button");
      console.log("sent " + text);
    }
    // Everything sent has left the page before the browser goes away.
    await page.waitForFunction(() => socket.bufferedAmount === 0);
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  console.error(String(err));
  process.exit(1);
});
