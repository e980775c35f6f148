#!/usr/bin/env node
// The uWebSockets.js server peer of the rxws benchmarks: uWS' C++ server
// (µSockets event loop inside node's libuv, pub/sub in C++) with the serve
// contract of peer.js.
//
//   node peer-uws.js serve [-p PORT] [--wait-clients N] [--bytes] [--chunk-size N] [-k] [-r] [-c N] PATH
//
// Each client of PATH is subscribed to one topic, and each stdin record goes
// out with one app.publish() to it: the fan-out is uWS' own, in C++ (its
// topic tree queues the messages and writes each subscriber's in one send),
// not a loop over the clients in JavaScript. Everything else is peer.js':
// other paths get 404, what clients send goes to stdout once per event-loop
// turn, "listening on port N" on stderr, stdin is not read before
// --wait-clients clients are on, and at the end of stdin every client is
// closed with 1000. Like `rxws-serve --overflow block`, stdin pauses while a
// client has more than peer.js' HIGH_WATER unsent (getBufferedAmount), and
// reads on when uWS says the client drained. uWS has no client, so there is
// no connect mode.
'use strict';

const path = require('path');
const { MAX_SIZE, HIGH_WATER, log, parseArgs, Output, Records, writeMessage } = require('./peer.js');

// The native addon itself, not the package's main module: that one falls back
// to a ws-based imitation of the API (with a warning only) when the addon
// does not load, which would measure ws under uWS' name.
function loadUws() {
  const pkg = '@trufflesuite/uws-js-unofficial';
  const dir = path.dirname(require.resolve(`${pkg}/package.json`));
  const addon = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  try {
    return require(path.join(dir, 'binaries', addon));
  } catch (err) {
    log(`error: ${pkg} has no native addon for this node (${addon}): ${err.message}`);
    process.exit(69);
  }
}

const uWS = loadUws();
const TOPIC = 'all';
// uWS drops (skips) a message for a client whose unsent bytes pass
// maxBackpressure. Stdin pauses at HIGH_WATER, but the check lags a turn
// behind what the topic tree still holds: far above it, so that nothing is
// ever dropped (a drop would fail the benchmark's counts).
const MAX_BACKPRESSURE = 256 << 20;

function serve(args) {
  const out = new Output();
  const records = new Records(args.bytes, args.chunkSize);
  const clients = new Set();
  let listenSocket = null;
  let reading = false;
  let paused = false;
  let ended = false;
  let written = 0;
  let counted = false;

  const app = uWS.App();
  app.ws(args.target, {
    compression: uWS.DISABLED,
    maxPayloadLength: MAX_SIZE,
    maxBackpressure: MAX_BACKPRESSURE,
    closeOnBackpressureLimit: false,
    // No idle timeout and no pings, as ws' server (uWS' default would close a
    // client that says nothing for 120 s unless it answers pings).
    idleTimeout: 0,
    sendPingsAutomatically: false,
    open: (ws) => {
      clients.add(ws);
      ws.subscribe(TOPIC);
      if (!reading && !args.recvOnly && clients.size >= args.waitClients) startReading();
    },
    message: (ws, message, isBinary) => {
      if (counted) return;
      // message is valid only during this call: copy it.
      writeMessage(out, Buffer.copyBytesFrom(new Uint8Array(message)), isBinary);
      if (++written === args.count) {
        counted = true;
        endAll();
      }
    },
    drain: () => {
      if (paused) resumeIfRoom();
    },
    close: (ws) => {
      clients.delete(ws);
      if (paused) resumeIfRoom();
      if (ended && clients.size === 0) finish();
    },
  });
  app.any('/*', (res) => {
    res.writeStatus('404 Not Found').end();
  });
  app.listen(args.host, args.port, (socket) => {
    if (!socket) {
      log(`error: cannot listen on ${args.host}:${args.port}`);
      process.exit(69);
    }
    listenSocket = socket;
    log(`notice: listening on port ${uWS.us_socket_local_port(socket)}`);
  });

  const publish = (record) => app.publish(TOPIC, record, args.bytes);

  // --overflow block: pause stdin while a client is over HIGH_WATER.
  const full = () => {
    for (const ws of clients) {
      if (ws.getBufferedAmount() > HIGH_WATER) return true;
    }
    return false;
  };
  const resumeIfRoom = () => {
    if (full()) return;
    paused = false;
    if (!ended) process.stdin.resume();
  };

  const endAll = () => {
    ended = true;
    if (clients.size === 0) finish();
    // end() sends what the topic tree still holds for the client before the
    // close frame, and the close after any backpressure.
    for (const ws of clients) ws.end(1000);
  };

  // The close handlers have run, but the close frames (and the records
  // before them) may still sit in uWS' buffers: close the listener and let
  // node exit once uWS has no socket left, rather than exit() here.
  const finish = () => {
    out.flush();
    if (listenSocket) {
      uWS.us_listen_socket_close(listenSocket);
      listenSocket = null;
    }
  };

  const startReading = () => {
    reading = true;
    process.stdin.on('data', (chunk) => {
      records.push(chunk, publish);
      if (full()) {
        paused = true;
        process.stdin.pause();
      }
    });
    process.stdin.on('end', () => {
      records.end(publish);
      if (args.keepOpen) {
        ended = true;
        return;
      }
      endAll();
    });
  };
  if (args.waitClients === 0 && !args.recvOnly) startReading();
}

serve(parseArgs(process.argv.slice(2), ['serve']));
