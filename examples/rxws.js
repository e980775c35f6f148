/**
 * rxws.js: a browser client for rxws-serve that loses nothing it can keep.
 *
 * An ES module without dependencies. rxws-serve gives each message it
 * broadcasts on a path a position, EPOCH:OFFSET, and keeps a history
 * (--history N); this client offers the subprotocol "rxws.pos", in which
 * every message comes with its position, and reconnects by itself,
 * resuming after the last position it handed to the page (?since=POS).
 * See rxws(7), HISTORY AND RECOVERY, for the wire form.
 *
 *   import { RxwsClient } from "./rxws.js";
 *   const feed = new RxwsClient("/live", {
 *     last: 50,                        // or since: "0123456789abcdef:42"
 *     onMessage(m) { show(m.data, m.position); },
 *     onGap(g) { warn(`${g.count ?? "?"} messages lost (${g.reason})`); },
 *     onLive(l) { console.log("live after", l.position); },
 *     onStatus(s) { badge(s.state); },
 *   });
 *   feed.send("hello");                // true when sent
 *   feed.close();                      // for good: no more reconnects
 *
 * What it promises, as long as the server chooses rxws.pos:
 *  - order: onMessage gets a path's messages in the order of their
 *    positions, across every reconnection;
 *  - exactly once: within the server's history, every message after the
 *    starting point (the position asked for with `since`, the first of
 *    the `last` asked for, else where the path stood when the first
 *    connection opened) is handed on once, never twice, never skipped;
 *  - gaps said: what the history no longer holds is reported to onGap,
 *    once, with how many messages were lost ("trimmed": older than the
 *    history keeps) or null when that cannot be known ("epoch": the
 *    server's history started anew, and positions of two epochs do not
 *    compare). A hole the server did not announce, or a message of
 *    another epoch without a notice, is reported the same way
 *    ("unannounced", "epoch"); a message seen twice is dropped and
 *    counted (stats.duplicates), so the promise holds whatever arrives.
 * A server that does not choose rxws.pos still gets its data through,
 * without positions: status.positions is false, message.position is null,
 * and each reconnection is reported as a gap of unknown size ("unknown"),
 * since nothing can say what was missed. That is a server that chose
 * another subprotocol of `protocols`, or one that knows none (a browser
 * fails a handshake whose offer was ignored: until a connection has had
 * rxws.pos, an attempt with it that fails is followed by one without).
 *
 * new RxwsClient(url, options)
 *   url: ws://, wss://, http:// or https:// (the WebSocket of that host),
 *     or a path resolved against the page ("/live"). Its query is kept on
 *     every connection (a ?token=, say); since= and last= are the client's.
 *   options (all optional):
 *     since: "EPOCH:OFFSET"  start after this position
 *     last: N                start with the last N messages the server keeps
 *     protocols: ["name"]    other subprotocols to offer, before rxws.pos
 *                            (rxws-serve takes rxws.pos all the same;
 *                            another server may choose one of these, and
 *                            there are then no positions)
 *     positions: true        false: offer `protocols` only, not rxws.pos
 *     minDelay: 500          ms before the first retry of a run of failures
 *     maxDelay: 30000        ms, the longest wait between two attempts
 *     factor: 2              each failed attempt multiplies the wait
 *     jitter: 0.5            each wait is drawn from [wait*(1-jitter), wait]
 *     stableAfter: 10000     ms a connection must stay open to start the
 *                            waits again from minDelay
 *     reconnect: true        false: no reconnection (status "closed")
 *     WebSocket              the constructor to use (another runtime's)
 *     onMessage(message)     { data, binary, path, position, epoch, offset,
 *                              replay } where data is a string (text frame)
 *                            or a Uint8Array (binary frame), position the
 *                            "EPOCH:OFFSET" string (null without one),
 *                            offset a number, replay true before onLive
 *     onGap(gap)             { path, from, to, count, reason }: count is a
 *                            number, or null when not known
 *     onLive(live)           { path, position, replayed }: the replay asked
 *                            for is done (at once when none was); what
 *                            follows is live
 *     onStatus(status)       { state, attempt, delay, code, reason,
 *                              protocol, positions, url }: state is
 *                            "connecting", "open", "retrying" (delay ms
 *                            until the next attempt) or "closed"
 * Properties: position (where a reconnection resumes: the last position
 * handed on), live (the replay asked for is done), status, stats
 * ({ messages, gaps, lost, duplicates, opens }), bufferedAmount, url, path. Methods: send(data) (a string, ArrayBuffer or view;
 * false when not connected: nothing is queued), close().
 *
 * A browser cannot see why a handshake failed (a 400 for a bad `since`, a
 * 401 for a missing token): such a failure is retried like a network one.
 */

/** The subprotocol of positions and notices. */
export const SUBPROTOCOL = "rxws.pos";

const POSITION = /^([0-9a-fA-F]{16}):(0|[1-9][0-9]*)$/;

/**
 * parsePosition("EPOCH:OFFSET"): { position, epoch, offset } (the epoch in
 * lower case, the offset a number), or null if the text is not one.
 */
export function parsePosition(text) {
  const m = typeof text === "string" && POSITION.exec(text);
  if (!m) return null;
  const offset = Number(m[2]);
  if (!Number.isSafeInteger(offset)) return null;
  const epoch = m[1].toLowerCase();
  return { position: epoch + ":" + m[2], epoch, offset };
}

/**
 * parseNotice("!gap FROM TO COUNT WHY"): { name, ... } for the notices of
 * rxws.pos ("head" and "live" with position; "gap" with from, to, count
 * (null for "?") and reason), { name, args } for one this client does not
 * know, or null when the text is not a notice or is malformed.
 */
export function parseNotice(text) {
  if (typeof text !== "string" || text[0] !== "!") return null;
  const [name, ...args] = text.slice(1).split(" ");
  switch (name) {
    case "head":
    case "live": {
      const p = args.length === 1 && parsePosition(args[0]);
      return p ? { name, position: p.position } : null;
    }
    case "gap": {
      if (args.length !== 4) return null;
      const [from, to, count, reason] = args;
      const n = count === "?" ? null : /^(0|[1-9][0-9]*)$/.test(count) ? Number(count) : NaN;
      if (Number.isNaN(n)) return null;
      return { name, from, to, count: n, reason };
    }
    default:
      return { name, args };
  }
}

const NEWLINE = 0x0a;
const MAX_POSITION = 64; // 16 hex digits, ":", a safe integer: well under this

/**
 * decodeFrame(data): what a frame of rxws.pos holds. data is a string (a
 * text frame) or an ArrayBuffer (a binary one). Returns { notice } for a
 * notice, or { position, data } for a message: position is the "EPOCH:OFFSET"
 * before the first newline (null when there is none: then data is the whole
 * frame), data a string or a Uint8Array over the rest of the frame.
 */
export function decodeFrame(data) {
  if (typeof data === "string") {
    if (data[0] === "!") return { notice: parseNotice(data) || { name: "", args: [data] } };
    const nl = data.indexOf("\n");
    const head = nl >= 0 && nl <= MAX_POSITION ? data.slice(0, nl) : null;
    if (head === null) return { position: null, data };
    return { position: head === "" ? null : head, data: data.slice(nl + 1) };
  }
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const end = Math.min(bytes.length, MAX_POSITION + 1);
  for (let i = 0; i < end; i++) {
    if (bytes[i] === NEWLINE) {
      let head = "";
      for (let j = 0; j < i; j++) head += String.fromCharCode(bytes[j]);
      return { position: head === "" ? null : head, data: bytes.subarray(i + 1) };
    }
  }
  return { position: null, data: bytes };
}

/**
 * backoffDelay(failures, options): the wait in ms before the attempt that
 * follows `failures` failed ones (0: the first retry), jitter applied with
 * `random` (Math.random).
 */
export function backoffDelay(failures, { minDelay = 500, maxDelay = 30000, factor = 2,
                                         jitter = 0.5 } = {}, random = Math.random) {
  const wait = Math.min(maxDelay, minDelay * Math.pow(factor, failures));
  return Math.round(wait * (1 - jitter * random()));
}

function toWebSocketURL(url) {
  const base = typeof location !== "undefined" ? location.href : undefined;
  const u = new URL(url, base);
  if (u.protocol === "http:") u.protocol = "ws:";
  else if (u.protocol === "https:") u.protocol = "wss:";
  u.hash = "";
  return u;
}

function pathOf(u) {
  try {
    return decodeURIComponent(u.pathname);
  } catch {
    return u.pathname;
  }
}

export class RxwsClient {
  constructor(url, options = {}) {
    this.options = Object.assign({
      minDelay: 500, maxDelay: 30000, factor: 2, jitter: 0.5, stableAfter: 10000,
      reconnect: true, protocols: [], positions: true,
    }, options);
    const { since, last } = this.options;
    if (since != null && last != null) throw new TypeError("rxws: since or last, not both");
    if (since != null && !parsePosition(since)) throw new TypeError("rxws: since is not a position: " + since);
    if (last != null && !(Number.isSafeInteger(Number(last)) && Number(last) >= 1)) {
      throw new TypeError("rxws: last is not a count from 1: " + last);
    }
    this.WebSocket = this.options.WebSocket || globalThis.WebSocket;
    this.url = toWebSocketURL(url);
    this.path = pathOf(this.url);
    // Where the next connection resumes: the last position handed on (or
    // one that every message up to it was handed or reported as lost).
    this.resume = since != null ? parsePosition(since) : null;
    this.last = last != null ? Number(last) : null; // asked until a position is known
    this.stats = { messages: 0, gaps: 0, lost: 0, duplicates: 0, opens: 0 };
    this.failures = 0;
    this.socket = null;
    this.timer = null;
    this.stableTimer = null;
    this.closed = false;
    this.tryPlain = false;        // the next attempt without rxws.pos
    this.knowsPositions = false;  // the server has chosen rxws.pos once
    this.blind = false;           // the last connection had no positions
    this.status = { state: "connecting", attempt: 0, delay: 0, code: 0, reason: "",
                    protocol: "", positions: false, url: "" };
    this._connect();
  }

  /** The position a reconnection resumes after ("EPOCH:OFFSET"), or null. */
  get position() {
    return this.resume ? this.resume.position : null;
  }

  get bufferedAmount() {
    return this.socket ? this.socket.bufferedAmount : 0;
  }

  /** Sends a message (a string, ArrayBuffer or view); false when not connected. */
  send(data) {
    const open = this.WebSocket.OPEN ?? 1;
    if (!this.socket || this.socket.readyState !== open) return false;
    this.socket.send(data);
    return true;
  }

  /** Closes the connection for good: no reconnection follows. */
  close(code = 1000, reason = "") {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.stableTimer);
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      try {
        socket.close(code, reason);
      } catch {
        socket.close();
      }
    }
    this._status({ state: "closed", delay: 0, code, reason });
  }

  /** The URL of the next attempt: the page's, and since= or last=. */
  connectURL() {
    const u = new URL(this.url);
    // The page's parameters as they were written, less since= and last=;
    // positions are [0-9a-f:] only: written as they are, ":" unescaped.
    const query = u.search.slice(1).split("&").filter((part) => {
      const name = part.split("=")[0];
      return part && name !== "since" && name !== "last";
    });
    if (this.resume) query.push("since=" + this.resume.position);
    else if (this.last != null) query.push("last=" + this.last);
    u.search = query.join("&");
    return u.toString();
  }

  _status(change) {
    Object.assign(this.status, change);
    this._call("onStatus", Object.assign({}, this.status));
  }

  _call(name, arg) {
    const fn = this.options[name];
    if (typeof fn === "function") fn.call(this, arg);
  }

  _connect() {
    if (this.closed) return;
    const url = this.connectURL();
    // A server that has never chosen rxws.pos may not know it: after an
    // attempt with it fails, the next goes without (a browser fails a
    // handshake whose offer the server ignored).
    const others = this.options.protocols.filter((p) => p !== SUBPROTOCOL);
    const protocols = this.tryPlain || !this.options.positions ? others : [...others, SUBPROTOCOL];
    this.opened = false;
    this.live = false;
    this.replayed = 0;
    this.covered = false;   // a notice said the next message may skip ahead
    this._status({ state: "connecting", attempt: this.status.attempt + 1, delay: 0,
                   code: 0, reason: "", protocol: "", positions: false, url });
    let socket;
    try {
      socket = protocols.length ? new this.WebSocket(url, protocols) : new this.WebSocket(url);
    } catch (err) {
      // A URL the constructor refuses will not get better: say so, for good.
      this.closed = true;
      this._status({ state: "closed", code: 0, reason: String(err && err.message || err) });
      return;
    }
    this.socket = socket;
    socket.offeredPositions = protocols.includes(SUBPROTOCOL);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => this._open(socket);
    socket.onmessage = (event) => this._frame(event.data);
    socket.onerror = () => {};
    socket.onclose = (event) => this._closed(socket, event);
  }

  _open(socket) {
    const positions = socket.protocol === SUBPROTOCOL;
    this.opened = true;
    this.stats.opens++;
    if (positions) this.knowsPositions = true;
    if (this.blind || (!positions && this.stats.opens > 1)) {
      // Nothing can tell what passed while we were away.
      this._gap({ path: this.path, from: null, to: null, count: null, reason: "unknown" });
    }
    this.positions = positions;
    this.blind = !positions;
    if (!positions) {
      // No position to resume after: the next connection asks for nothing.
      this.resume = null;
      this.last = null;
    }
    clearTimeout(this.stableTimer);
    this.stableTimer = setTimeout(() => { this.failures = 0; }, this.options.stableAfter);
    this._status({ state: "open", protocol: socket.protocol, positions, attempt: 0 });
    if (!positions) {
      // No replay, no notices: live from now on.
      this.live = true;
      this._call("onLive", { path: this.path, position: null, replayed: 0 });
    }
  }

  _closed(socket, event) {
    if (socket !== this.socket) return;
    this.socket = null;
    clearTimeout(this.stableTimer);
    if (this.closed) return;
    this.tryPlain = !this.opened && socket.offeredPositions && !this.knowsPositions;
    if (!this.options.reconnect) {
      this.closed = true;
      this._status({ state: "closed", code: event.code, reason: event.reason || "" });
      return;
    }
    const delay = backoffDelay(this.failures, this.options);
    this.failures++;
    this._status({ state: "retrying", delay, code: event.code, reason: event.reason || "",
                   protocol: "", positions: false });
    this.timer = setTimeout(() => this._connect(), delay);
  }

  _frame(data) {
    if (!this.positions) {
      const binary = typeof data !== "string";
      this._deliver({ data: binary ? new Uint8Array(data) : data, binary, path: this.path,
                      position: null, epoch: null, offset: null, replay: false });
      return;
    }
    const frame = decodeFrame(data);
    if (frame.notice) return this._notice(frame.notice);
    const p = frame.position === null ? null : parsePosition(frame.position);
    const message = { data: frame.data, binary: typeof data !== "string", path: this.path,
                      position: p ? p.position : null, epoch: p ? p.epoch : null,
                      offset: p ? p.offset : null, replay: !this.live };
    if (p) {
      const r = this.resume;
      if (r && r.epoch === p.epoch) {
        if (p.offset <= r.offset) {
          this.stats.duplicates++;
          return;
        }
        if (p.offset > r.offset + 1 && !this.covered) {
          this._gap({ path: this.path, from: r.position, to: p.epoch + ":" + (p.offset - 1),
                      count: p.offset - r.offset - 1, reason: "unannounced" });
        }
      } else if (r && !this.covered) {
        this._gap({ path: this.path, from: r.position, to: p.position, count: null,
                    reason: "epoch" });
      }
      this.resume = p;
      this.last = null;
      this.covered = false;
      this.pendingGap = null;
    }
    if (!this.live) this.replayed++;
    this._deliver(message);
  }

  _deliver(message) {
    this.stats.messages++;
    this._call("onMessage", message);
  }

  _notice(notice) {
    switch (notice.name) {
      case "head":
        // No replay asked for: everything after where the path stands now.
        if (!this.resume && this.last == null) this.resume = parsePosition(notice.position);
        break;
      case "gap": {
        const gap = { path: this.path, from: notice.from, to: notice.to, count: notice.count,
                      reason: notice.reason };
        // The same gap said again after a reconnection, before any message:
        // only what it has grown by is news.
        const seen = this.pendingGap;
        this.pendingGap = { from: gap.from, count: gap.count };
        this.covered = true;
        if (seen && seen.from === gap.from) {
          if (gap.count === null || seen.count === null) {
            if (gap.count === seen.count) break;
          } else {
            gap.count -= seen.count;
            if (gap.count <= 0) break;
          }
        }
        this._gap(gap);
        break;
      }
      case "live": {
        // Every message up to it was handed on or said lost.
        const p = parsePosition(notice.position);
        const r = this.resume;
        if (p && r && r.epoch === p.epoch && p.offset > r.offset && !this.covered) {
          this._gap({ path: this.path, from: r.position, to: p.position,
                      count: p.offset - r.offset, reason: "unannounced" });
        }
        if (p && !(r && r.epoch === p.epoch && r.offset >= p.offset)) {
          this.resume = p;
          this.last = null;
          this.pendingGap = null;
        }
        this.live = true;
        this._call("onLive", { path: this.path, position: notice.position, replayed: this.replayed });
        break;
      }
      default:
        break; // a notice of a later version: not ours to act on
    }
  }

  _gap(gap) {
    this.stats.gaps++;
    if (gap.count !== null) this.stats.lost += gap.count;
    this._call("onGap", gap);
  }
}
