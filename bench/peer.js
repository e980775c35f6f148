#!/usr/bin/env node
// The node `ws` peer of the rxws benchmarks.
//
//   node peer.js serve [-p PORT] [--wait-clients N] [--bytes] [--chunk-size N] [-k] [-r] [-c N] PATH
//   node peer.js connect [-r] [--bytes] [--chunk-size N] [-k] URL
//
// The same semantics as rxws-serve PATH and rxws-connect URL, written the way
// a careful user of ws 8 would (see peer.py, its Python twin):
//
// - serve broadcasts each stdin record to every client on PATH (other paths
//   are refused), writes what clients send to stdout, logs "listening on
//   port N" on stderr, does not read stdin before --wait-clients clients are
//   on, and at the end of stdin closes every client with 1000 and exits. Like
//   `rxws-serve --overflow block`, it stops reading stdin while a client's
//   send buffer is full. -r never reads stdin; -c N closes every client with
//   1000 and exits once N records are written to stdout.
// - connect writes each message it receives to stdout and sends each stdin
//   record (unless -r); it exits 0 when the server closes with 1000, or after
//   its own close handshake at the end of stdin.
//
// Records: lines and text frames (valid UTF-8, else skipped and reported),
// or with --bytes raw framing: each stdin chunk of up to --chunk-size bytes is
// a binary frame, and received frames are written back to back. Writes to
// stdout are gathered per event-loop turn: one write(2) for every message
// that arrived together, and none held back while the loop waits.
//
// peer-uws.js takes its options, records and output from here (required as a
// module, this file runs nothing).
'use strict';

const fs = require('fs');
const path = require('path');
const { isUtf8 } = require('buffer');
const { WebSocket, WebSocketServer } = require('ws');

const MAX_SIZE = 16 << 20;       // rxws --max-size default
const HIGH_WATER = 1 << 20;      // bytes a client may have unsent before stdin pauses
const NEWLINE = Buffer.from('\n');
// The running script (peer.js, or peer-uws.js that requires this file).
const NAME = path.basename(process.argv[1] || 'peer.js');
const SERVE_USAGE = 'serve [-p PORT] [--wait-clients N] [--bytes] [--chunk-size N] [-k] [-r] [-c N] PATH';
const CONNECT_USAGE = 'connect [-r] [--bytes] [--chunk-size N] [-k] URL';

function log(msg) {
  process.stderr.write(`${NAME}: ${msg}\n`);
}

let usageLines = [`usage: ${NAME} ${SERVE_USAGE}`, `       ${NAME} ${CONNECT_USAGE}`];

function usage(msg) {
  log(msg);
  for (const line of usageLines) log(line);
  process.exit(64);
}

// parseArgs(argv[, modes]): the options of peer.js; modes, those the
// running script has (serve and connect for peer.js).
function parseArgs(argv, modes = ['serve', 'connect']) {
  const mode = argv[0];
  usageLines = modes.map((m, i) => `${i ? '      ' : 'usage:'} ${NAME} ${m === 'serve' ? SERVE_USAGE : CONNECT_USAGE}`);
  if (!modes.includes(mode)) usage(`mode must be ${modes.join(' or ')}`);
  const args = {
    mode, host: '127.0.0.1', port: 8888, waitClients: 0, bytes: false,
    chunkSize: 4096, keepOpen: false, recvOnly: false, count: 0, target: null,
  };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '-p' || a === '--port') args.port = Number(value());
    else if (a === '--host') args.host = value();
    else if (a === '--wait-clients') args.waitClients = Number(value());
    else if (a === '--chunk-size') args.chunkSize = Number(value());
    else if (a === '-c' || a === '--count') args.count = Number(value());
    else if (a === '--bytes') args.bytes = true;
    else if (a === '-k' || a === '--keep-open') args.keepOpen = true;
    else if (a === '-r' || a === '--recv-only') args.recvOnly = true;
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (args.target === null) args.target = a;
    else usage(`unexpected argument ${a}`);
  }
  if (args.target === null) usage(mode === 'serve' ? 'PATH is missing' : 'URL is missing');
  return args;
}

// Stdout, written once per event-loop turn with what has gathered.
class Output {
  constructor() {
    this.parts = [];
  }

  write(...data) {
    if (this.parts.length === 0) setImmediate(() => this.flush());
    this.parts.push(...data);
  }

  flush() {
    if (this.parts.length === 0) return;
    const buf = Buffer.concat(this.parts);
    this.parts = [];
    for (let off = 0; off < buf.length;) {
      try {
        off += fs.writeSync(1, buf, off);
      } catch (err) {
        if (err.code === 'EPIPE') process.exit(0);
        if (err.code !== 'EAGAIN') throw err;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      }
    }
  }
}

// Cuts stdin chunks into records: lines (text) or raw chunks (bytes).
class Records {
  constructor(bytes, chunkSize) {
    this.bytes = bytes;
    this.chunkSize = chunkSize;
    this.rest = null;
    this.count = 0;
  }

  // Calls emit(record) for each complete record in chunk.
  push(chunk, emit) {
    if (this.bytes) {
      for (let off = 0; off < chunk.length; off += this.chunkSize) {
        emit(chunk.subarray(off, off + this.chunkSize));
      }
      return;
    }
    if (this.rest !== null) {
      chunk = Buffer.concat([this.rest, chunk]);
      this.rest = null;
    }
    let start = 0;
    for (let nl; (nl = chunk.indexOf(10, start)) !== -1; start = nl + 1) {
      this.line(chunk.subarray(start, nl), emit);
    }
    if (start < chunk.length) this.rest = chunk.subarray(start);
  }

  // At the end of stdin: a last line without a newline counts.
  end(emit) {
    if (this.rest !== null) this.line(this.rest, emit);
    this.rest = null;
  }

  line(line, emit) {
    this.count++;
    if (isUtf8(line)) emit(line);
    else log(`record ${this.count}: not valid UTF-8, skipped`);
  }
}

function writeMessage(out, data, isBinary) {
  if (isBinary) out.write(data);
  else out.write(data, NEWLINE);
}

function serve(args) {
  const out = new Output();
  const records = new Records(args.bytes, args.chunkSize);
  const clients = new Set();
  const sendOpts = { binary: args.bytes };
  let reading = false;
  let waiting = false;
  let ended = false;
  let written = 0;
  let counted = false;

  const wss = new WebSocketServer({
    host: args.host, port: args.port, path: args.target,
    perMessageDeflate: false, maxPayload: MAX_SIZE,
  });
  wss.on('listening', () => log(`notice: listening on port ${wss.address().port}`));
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('message', (data, isBinary) => {
      if (counted) return;
      writeMessage(out, data, isBinary);
      if (++written === args.count) {
        counted = true;
        ended = true;
        for (const c of clients) c.close(1000);
      }
    });
    ws.on('close', () => {
      clients.delete(ws);
      if (ended && clients.size === 0) finish();
    });
    ws.on('error', (err) => log(`client: ${err.message}`));
    if (!reading && !args.recvOnly && clients.size >= args.waitClients) startReading();
  });

  const broadcast = (record) => {
    for (const ws of clients) {
      if (ws.readyState === WebSocket.OPEN) ws.send(record, sendOpts);
    }
  };

  // --overflow block: pause stdin until every client is below HIGH_WATER.
  const waitForRoom = () => {
    if (waiting) return;
    for (const ws of clients) {
      if (ws.readyState === WebSocket.OPEN && ws.bufferedAmount > HIGH_WATER) {
        waiting = true;
        process.stdin.pause();
        const retry = () => {
          ws._socket.off('drain', retry);
          ws.off('close', retry);
          waiting = false;
          waitForRoom();
        };
        ws._socket.on('drain', retry);
        ws.on('close', retry);
        return;
      }
    }
    if (!ended) process.stdin.resume();
  };

  const finish = () => {
    out.flush();
    process.exit(0);
  };

  const startReading = () => {
    reading = true;
    process.stdin.on('data', (chunk) => {
      records.push(chunk, broadcast);
      waitForRoom();
    });
    process.stdin.on('end', () => {
      records.end(broadcast);
      ended = true;
      if (args.keepOpen) return;
      if (clients.size === 0) finish();
      for (const ws of clients) ws.close(1000);
    });
  };
  if (args.waitClients === 0 && !args.recvOnly) startReading();
}

function connect(args) {
  const out = new Output();
  const sendOpts = { binary: args.bytes };
  const ws = new WebSocket(args.target, { perMessageDeflate: false, maxPayload: MAX_SIZE });
  ws.on('message', (data, isBinary) => writeMessage(out, data, isBinary));
  ws.on('error', (err) => log(`error: ${err.message}`));
  ws.on('close', (code) => {
    out.flush();
    if (code !== 1000) log(`closed with ${code}`);
    process.exit(code === 1000 ? 0 : 1);
  });
  if (args.recvOnly) return;
  ws.on('open', () => {
    const records = new Records(args.bytes, args.chunkSize);
    const send = (record) => ws.send(record, sendOpts);
    process.stdin.on('data', (chunk) => {
      records.push(chunk, send);
      if (ws.bufferedAmount > HIGH_WATER) {
        process.stdin.pause();
        ws._socket.once('drain', () => process.stdin.resume());
      }
    });
    process.stdin.on('end', () => {
      records.end(send);
      if (!args.keepOpen) ws.close(1000);
    });
  });
}

module.exports = { MAX_SIZE, HIGH_WATER, log, parseArgs, Output, Records, writeMessage };

if (require.main === module) {
  const args = parseArgs(process.argv.slice(2));
  if (args.mode === 'serve') serve(args);
  else connect(args);
}
