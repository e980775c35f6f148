#!/usr/bin/env node
// A WebSocket peer we did not write: node's ws package, for tests.
//
//   ws_node.js client URL [--text T]... [--binary HEX]... [--recv N] [--compress]
//                  [--protocol NAME]...
//     offers the subprotocols (as wscat -s does), sends what it is told,
//     prints "open [PROTOCOL]", "text <json>" / "binary <hex>" for each
//     message it gets, then "close <code>"; closes after N messages.
//   ws_node.js server PORTFILE [--text T]... [--binary HEX]... [--compress]
//     listens on 127.0.0.1 (port written to PORTFILE), sends what it is told
//     to each client, prints "PATH text <json>" / "PATH binary <hex>".
//   Exits 2, saying what to install, when the ws module is missing.
"use strict";
const fs = require("fs");

const need = require("./need");

const WebSocket = need("ws");

const [mode, where, ...rest] = process.argv.slice(2);
const opts = { text: [], binary: [], recv: -1, compress: false, protocols: [] };
while (rest.length) {
  const flag = rest.shift();
  if (flag === "--text") opts.text.push(rest.shift());
  else if (flag === "--binary") opts.binary.push(Buffer.from(rest.shift(), "hex"));
  else if (flag === "--recv") opts.recv = Number(rest.shift());
  else if (flag === "--compress") opts.compress = true;
  else if (flag === "--protocol") opts.protocols.push(rest.shift());
}

function describe(data, isBinary) {
  return isBinary ? "binary " + Buffer.from(data).toString("hex")
                  : "text " + JSON.stringify(data.toString());
}

function sendAll(ws) {
  for (const t of opts.text) ws.send(t);
  for (const b of opts.binary) ws.send(b, { binary: true });
}

if (mode === "client") {
  const ws = new WebSocket(where, opts.protocols,
                           { perMessageDeflate: opts.compress, maxPayload: 0 });
  let n = 0;
  ws.on("open", () => {
    console.log("open" + (opts.compress ? " " + (ws.extensions || "no-extensions") : "") +
                (ws.protocol ? " " + ws.protocol : ""));
    sendAll(ws);
    if (opts.recv === 0) ws.close(1000);
  });
  ws.on("message", (data, isBinary) => {
    console.log(describe(data, isBinary));
    if (++n === opts.recv) ws.close(1000);
  });
  ws.on("close", (code) => console.log("close " + code));
  ws.on("error", (err) => { console.log("error " + err.message); process.exitCode = 2; });
} else {
  const server = new WebSocket.Server({ host: "127.0.0.1", port: 0,
                                        perMessageDeflate: opts.compress, maxPayload: 0 });
  server.on("listening", () => {
    fs.writeFileSync(where + ".tmp", server.address().port + "\n");
    fs.renameSync(where + ".tmp", where);
  });
  server.on("connection", (ws, req) => {
    const path = req.url;
    console.log("open " + path);
    ws.on("message", (data, isBinary) => console.log(path + " " + describe(data, isBinary)));
    ws.on("close", (code) => console.log("closed " + path + " " + code));
    sendAll(ws);
  });
}
