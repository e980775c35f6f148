#!/usr/bin/env node
// The node peer of B7: a `ws` server that is one member of a cluster
// relaying through a Redis stream with the `redis` package (node-redis 4),
// the way a node developer would write `rxws-serve --broker` themselves.
//
//   node peer-broker.js [-p PORT] [-r] --broker redis://HOST:PORT [--key KEY] PATH
//
// - Without -r, each stdin line is appended to the stream KEY (default
//   rxws-node:out) with XADD MAXLEN ~ 1000000 * path PATH data LINE;
//   node-redis pipelines the commands of one event-loop turn. Stdin pauses
//   while more than 4096 appends wait for their answer.
// - Every member reads KEY from where it was at start with XREAD BLOCK
//   (COUNT 1000) on a connection of its own, and sends each entry of PATH
//   to every client of PATH (ws.send, as ws' README broadcasts). It does not
//   read on while a client has more than 1 MiB unsent (rxws-serve's
//   --overflow block).
// - Logs "listening on port N" once it listens. It never ends by itself.
'use strict';

const { WebSocket, WebSocketServer } = require('ws');
const { createClient, commandOptions } = require('redis');

const HIGH_WATER = 1 << 20;
const IN_FLIGHT_MAX = 4096;
const IN_FLIGHT_LOW = 1024;

function log(msg) {
  process.stderr.write(`peer-broker.js: ${msg}\n`);
}

function usage(msg) {
  log(msg);
  log('usage: peer-broker.js [-p PORT] [-r] --broker redis://HOST:PORT [--key KEY] PATH');
  process.exit(64);
}

function parseArgs(argv) {
  const args = { host: '127.0.0.1', port: 8888, recvOnly: false, broker: null,
    key: 'rxws-node:out', path: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '-p' || a === '--port') args.port = Number(value());
    else if (a === '--host') args.host = value();
    else if (a === '-r') args.recvOnly = true;
    else if (a === '--broker') args.broker = value();
    else if (a === '--key') args.key = value();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (args.path === null) args.path = a;
    else usage(`unexpected argument ${a}`);
  }
  if (!args.path || !args.broker) usage('PATH and --broker are needed');
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const writer = createClient({ url: args.broker });
  const reader = createClient({ url: args.broker });
  for (const c of [writer, reader]) c.on('error', (err) => log(`redis: ${err.message}`));
  await writer.connect();
  await reader.connect();

  // Start from the stream's end: what is appended from now on.
  const last = await reader.xRevRange(args.key, '+', '-', { COUNT: 1 });
  let lastId = last.length ? last[0].id : '0-0';

  const clients = new Set();
  const wss = new WebSocketServer({ host: args.host, port: args.port, path: args.path,
    perMessageDeflate: false, maxPayload: 16 << 20 });
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('error', (err) => log(`client: ${err.message}`));
  });
  await new Promise((resolve) => wss.on('listening', resolve));
  log(`notice: listening on port ${wss.address().port}`);

  // Waits until no client has more than HIGH_WATER unsent.
  const room = () => new Promise((resolve) => {
    const check = () => {
      for (const ws of clients) {
        if (ws.readyState === WebSocket.OPEN && ws.bufferedAmount > HIGH_WATER) {
          const retry = () => {
            ws._socket.off('drain', retry);
            ws.off('close', retry);
            check();
          };
          ws._socket.on('drain', retry);
          ws.on('close', retry);
          return;
        }
      }
      resolve();
    };
    check();
  });

  (async () => {
    const opts = commandOptions({ returnBuffers: false });
    for (;;) {
      const res = await reader.xRead(opts, { key: args.key, id: lastId },
        { BLOCK: 1000, COUNT: 1000 });
      if (!res) continue;
      for (const stream of res) {
        for (const { id, message } of stream.messages) {
          lastId = id;
          if (message.path !== args.path) continue;
          for (const ws of clients) {
            if (ws.readyState === WebSocket.OPEN) ws.send(message.data);
          }
        }
      }
      await room();
    }
  })().catch((err) => {
    log(`reading: ${err.message}`);
    process.exit(1);
  });

  if (args.recvOnly) return;
  let inFlight = 0;
  let rest = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop();
    for (const line of lines) {
      inFlight++;
      writer.xAdd(args.key, '*', { path: args.path, data: line },
        { TRIM: { strategy: 'MAXLEN', strategyModifier: '~', threshold: 1000000 } })
        .then(() => {
          if (--inFlight < IN_FLIGHT_LOW && process.stdin.isPaused()) process.stdin.resume();
        }, (err) => {
          log(`XADD: ${err.message}`);
          process.exit(1);
        });
    }
    if (inFlight > IN_FLIGHT_MAX) process.stdin.pause();
  });
}

main().catch((err) => {
  log(err.message);
  process.exit(1);
});
