// examples/rxws.js without a browser or a network: its parsing, and its
// client against a fake WebSocket that the test opens, feeds and drops,
// with node's mock timers for the waits. Run by tests/62-history-browser.bats
// (node --test).
import { test } from "node:test";
import assert from "node:assert/strict";

import { RxwsClient, SUBPROTOCOL, backoffDelay, decodeFrame, parseNotice, parsePosition }
  from "../../examples/rxws.js";

const E = "00000000000000a1";
const F = "00000000000000b2";
const bytes = (s) => new TextEncoder().encode(s);
const text = (u8) => new TextDecoder().decode(u8);

test("positions: EPOCH:OFFSET, 16 hex digits and a decimal without leading zeros", () => {
  assert.deepEqual(parsePosition(E + ":42"), { position: E + ":42", epoch: E, offset: 42 });
  assert.deepEqual(parsePosition("00000000000000A1:0"), { position: E + ":0", epoch: E, offset: 0 });
  for (const bad of ["", "a1:1", E + ":", E + ":01", E + ":-1", E + ":1x", "!" + E + ":1",
                     E + "0:1", E + ":99999999999999999999", null, 7]) {
    assert.equal(parsePosition(bad), null, String(bad));
  }
});

test("notices: head, live, gap (a count or ?), and ones of a later version", () => {
  assert.deepEqual(parseNotice(`!head ${E}:0`), { name: "head", position: E + ":0" });
  assert.deepEqual(parseNotice(`!live ${E}:9`), { name: "live", position: E + ":9" });
  assert.deepEqual(parseNotice(`!gap ${E}:3 ${E}:10 7 trimmed`),
                   { name: "gap", from: E + ":3", to: E + ":10", count: 7, reason: "trimmed" });
  assert.deepEqual(parseNotice(`!gap ${E}:3 ${F}:0 ? epoch`),
                   { name: "gap", from: E + ":3", to: F + ":0", count: null, reason: "epoch" });
  assert.deepEqual(parseNotice("!later a b"), { name: "later", args: ["a", "b"] });
  assert.equal(parseNotice(`!head x`), null);
  assert.equal(parseNotice(`!gap ${E}:3 ${E}:10 -1 trimmed`), null);
  assert.equal(parseNotice(`head ${E}:0`), null);
});

test("frames: a text or binary message is its position, a newline, its data", () => {
  assert.deepEqual(decodeFrame(`${E}:5\nhello\nworld`), { position: E + ":5", data: "hello\nworld" });
  assert.deepEqual(decodeFrame(`${E}:5\n`), { position: E + ":5", data: "" });
  assert.deepEqual(decodeFrame(`!live ${E}:5`).notice, { name: "live", position: E + ":5" });
  const frame = decodeFrame(bytes(`${E}:6\n\u00ff\n`).buffer);
  assert.equal(frame.position, E + ":6");
  assert.ok(frame.data instanceof Uint8Array);
  assert.equal(text(frame.data), "\u00ff\n");
  // No newline where a position would end: all of it is data, no position.
  assert.deepEqual(decodeFrame("x".repeat(100) + "\n"), { position: null, data: "x".repeat(100) + "\n" });
  assert.equal(decodeFrame(new Uint8Array([1, 2, 3]).buffer).position, null);
});

test("backoff: doubles from minDelay to maxDelay, jitter takes up to its share off", () => {
  const o = { minDelay: 500, maxDelay: 30000, factor: 2, jitter: 0.5 };
  assert.deepEqual([0, 1, 2, 3, 6, 7, 20].map((n) => backoffDelay(n, o, () => 0)),
                   [500, 1000, 2000, 4000, 30000, 30000, 30000]);
  assert.equal(backoffDelay(0, o, () => 0.999999), 250);
  assert.equal(backoffDelay(3, { ...o, jitter: 0 }, () => 0.7), 4000);
});

// A WebSocket that the test plays the server of.
class FakeSocket {
  static OPEN = 1;
  static made = [];
  constructor(url, protocols) {
    this.url = url;
    this.protocols = protocols;
    this.readyState = 0;
    this.protocol = "";
    this.sent = [];
    this.bufferedAmount = 0;
    FakeSocket.made.push(this);
  }
  send(data) { this.sent.push(data); }
  close(code) { this.readyState = 3; this.closedWith = code; }
  open(protocol = SUBPROTOCOL) {
    this.protocol = protocol;
    this.readyState = 1;
    this.onopen({});
  }
  frame(data) { this.onmessage({ data: typeof data === "string" ? data : data.buffer }); }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose({ code, reason: "" });
  }
}

// A client of the fake, and what it told the page.
function client(t, url = "http://h:1/feed?token=abc", options = {}) {
  if (!t.timersOn) t.mock.timers.enable({ apis: ["setTimeout"] });
  t.timersOn = true;
  FakeSocket.made = [];
  const got = { messages: [], gaps: [], lives: [], status: [] };
  const c = new RxwsClient(url, Object.assign({
    WebSocket: FakeSocket, jitter: 0, minDelay: 100, maxDelay: 1000, stableAfter: 5000,
    onMessage: (m) => got.messages.push(m),
    onGap: (g) => got.gaps.push(g),
    onLive: (l) => got.lives.push(l),
    onStatus: (s) => got.status.push(s.state + (s.state === "retrying" ? " " + s.delay : "")),
  }, options));
  const socket = () => FakeSocket.made[FakeSocket.made.length - 1];
  const data = () => got.messages.map((m) => m.data);
  return { c, got, socket, data };
}

test("connects with rxws.pos after the page's protocols (or without), the query kept, http: as ws:", (t) => {
  const { socket } = client(t, "https://h:1/feed?token=a%2Fb+c&since=x&lastly=1#top",
                           { protocols: ["chat.v1"] });
  assert.equal(socket().url, "wss://h:1/feed?token=a%2Fb+c&lastly=1");
  assert.deepEqual(socket().protocols, ["chat.v1", SUBPROTOCOL]);
  const { socket: s1 } = client(t, "ws://h:1/p", { protocols: ["chat.v1"], positions: false });
  assert.deepEqual(s1().protocols, ["chat.v1"]);
  const { socket: s2 } = client(t, "ws://h:1/p", { since: E + ":7" });
  assert.equal(s2().url, `ws://h:1/p?since=${E}:7`);
  const { socket: s3 } = client(t, "ws://h:1/p?x=1", { last: 10 });
  assert.equal(s3().url, "ws://h:1/p?x=1&last=10");
  assert.throws(() => new RxwsClient("ws://h/", { WebSocket: FakeSocket, since: "nope" }), TypeError);
  assert.throws(() => new RxwsClient("ws://h/", { WebSocket: FakeSocket, last: 0 }), TypeError);
  assert.throws(() => new RxwsClient("ws://h/", { WebSocket: FakeSocket, last: 1, since: E + ":1" }),
                TypeError);
});

test("messages with their path and position; a cut resumes after the last one handed on", (t) => {
  const { c, got, socket, data } = client(t);
  socket().open();
  socket().frame(`!head ${E}:10`);
  socket().frame(`!live ${E}:10`);
  socket().frame(`${E}:11\neleven`);
  socket().frame(bytes(`${E}:12\n\x00\x01`));
  assert.deepEqual(got.lives, [{ path: "/feed", position: E + ":10", replayed: 0 }]);
  assert.equal(got.messages[0].path, "/feed");
  assert.equal(got.messages[0].position, E + ":11");
  assert.equal(got.messages[0].offset, 11);
  assert.equal(got.messages[0].replay, false);
  assert.equal(got.messages[1].binary, true);
  assert.deepEqual([...got.messages[1].data], [0, 1]);
  assert.equal(c.position, E + ":12");
  socket().drop();
  assert.deepEqual(got.status, ["connecting", "open", "retrying 100"]);
  t.mock.timers.tick(100);
  assert.equal(socket().url, `ws://h:1/feed?token=abc&since=${E}:12`);
  socket().open();
  socket().frame(`!head ${E}:14`);
  socket().frame(`${E}:13\nthirteen`);
  socket().frame(`${E}:14\nfourteen`);
  socket().frame(`!live ${E}:14`);
  socket().frame(`${E}:15\nfifteen`);
  assert.deepEqual(data().slice(2), ["thirteen", "fourteen", "fifteen"]);
  assert.deepEqual(got.messages.slice(2).map((m) => m.replay), [true, true, false]);
  assert.equal(got.lives[1].replayed, 2);
  assert.deepEqual(got.gaps, []);
  assert.deepEqual(c.stats, { messages: 5, gaps: 0, lost: 0, duplicates: 0, opens: 2 });
});

test("no message yet: a reconnection resumes from where the path stood (head), or asks last= again", (t) => {
  const { socket } = client(t, "ws://h:1/feed");
  socket().open();
  socket().frame(`!head ${E}:40`);
  socket().drop();
  t.mock.timers.tick(100);
  assert.equal(socket().url, `ws://h:1/feed?since=${E}:40`);
  const { socket: s2 } = client(t, "ws://h:1/feed", { last: 5 });
  s2().open();
  s2().frame(`!head ${E}:40`);
  s2().drop();
  t.mock.timers.tick(100);
  assert.equal(s2().url, "ws://h:1/feed?last=5");
  s2().open();
  s2().frame(`!head ${E}:0`);
  s2().frame(`!live ${E}:0`);
  s2().drop();
  t.mock.timers.tick(200);
  assert.equal(s2().url, `ws://h:1/feed?since=${E}:0`);
});

test("backoff: doubles while connections fail, from minDelay again after a stable one", (t) => {
  const { got, socket } = client(t);
  for (let i = 0; i < 5; i++) {
    socket().drop();
    t.mock.timers.tick(2000);
  }
  assert.deepEqual(got.status.filter((s) => s.startsWith("retrying")),
                   ["retrying 100", "retrying 200", "retrying 400", "retrying 800", "retrying 1000"]);
  socket().open();
  t.mock.timers.tick(4999);
  socket().drop();
  t.mock.timers.tick(1000);
  socket().open();
  t.mock.timers.tick(5000);
  socket().drop();
  assert.deepEqual(got.status.filter((s) => s.startsWith("retrying")).slice(5),
                   ["retrying 1000", "retrying 100"]);
});

test("a trimmed gap is said once with its count, even when said again after a cut", (t) => {
  const { c, got, socket, data } = client(t, "ws://h:1/feed", { since: E + ":3" });
  socket().open();
  socket().frame(`!head ${E}:20`);
  socket().frame(`!gap ${E}:3 ${E}:10 7 trimmed`);
  socket().drop();
  t.mock.timers.tick(100);
  assert.equal(socket().url, `ws://h:1/feed?since=${E}:3`);
  socket().open();
  socket().frame(`!head ${E}:22`);
  socket().frame(`!gap ${E}:3 ${E}:12 9 trimmed`);
  for (let i = 13; i <= 22; i++) socket().frame(`${E}:${i}\n${i}`);
  socket().frame(`!live ${E}:22`);
  assert.deepEqual(got.gaps.map((g) => [g.count, g.reason]), [[7, "trimmed"], [2, "trimmed"]]);
  assert.equal(got.gaps[0].path, "/feed");
  assert.deepEqual(data(), ["13", "14", "15", "16", "17", "18", "19", "20", "21", "22"]);
  assert.equal(c.stats.lost, 9);
});

test("exactly once whatever comes: a message again is dropped, a hole not announced is said", (t) => {
  const { c, got, socket, data } = client(t, "ws://h:1/feed", { since: E + ":1" });
  socket().open();
  socket().frame(`${E}:2\ntwo`);
  socket().frame(`${E}:2\ntwo again`);
  socket().frame(`${E}:1\none`);
  socket().frame(`${E}:5\nfive`);
  assert.deepEqual(data(), ["two", "five"]);
  assert.equal(c.stats.duplicates, 2);
  assert.deepEqual(got.gaps, [{ path: "/feed", from: E + ":2", to: E + ":4", count: 2,
                                reason: "unannounced" }]);
  socket().frame(`!live ${E}:7`);
  assert.deepEqual(got.gaps[1], { path: "/feed", from: E + ":5", to: E + ":7", count: 2,
                                  reason: "unannounced" });
});

test("an epoch change: the gap of unknown size said, positions of the new epoch taken", (t) => {
  const { c, got, socket, data } = client(t, "ws://h:1/feed");
  socket().open();
  socket().frame(`!head ${E}:100`);
  socket().frame(`${E}:101\na`);
  socket().drop();
  t.mock.timers.tick(100);
  socket().open();
  socket().frame(`!head ${F}:3`);
  socket().frame(`!gap ${E}:101 ${F}:0 ? epoch`);
  socket().frame(`${F}:1\nb`);
  socket().frame(`${F}:2\nc`);
  socket().frame(`${F}:3\nd`);
  socket().frame(`!live ${F}:3`);
  assert.deepEqual(data(), ["a", "b", "c", "d"]);
  assert.deepEqual(got.gaps.map((g) => [g.count, g.reason]), [[null, "epoch"]]);
  assert.equal(c.position, F + ":3");
  assert.equal(c.stats.duplicates, 0);
  // Another epoch without a notice is a gap all the same.
  socket().frame(`${E}:102\ne`);
  assert.deepEqual(got.gaps.map((g) => [g.count, g.reason]), [[null, "epoch"], [null, "epoch"]]);
});

test("a server that does not choose rxws.pos: the data as it comes, no positions, reconnections said", (t) => {
  const { c, got, socket, data } = client(t, "ws://h:1/feed", { protocols: ["chat.v1"], since: E + ":4" });
  socket().open("chat.v1");
  assert.equal(got.lives.length, 1);
  socket().frame(`${E}:5\nnot a position`);
  socket().frame("!not a notice");
  socket().frame(bytes("\x01\x02"));
  assert.deepEqual(data().slice(0, 2), [`${E}:5\nnot a position`, "!not a notice"]);
  assert.deepEqual([...got.messages[2].data], [1, 2]);
  assert.equal(got.messages[0].position, null);
  assert.equal(c.status.positions, false);
  assert.equal(c.status.protocol, "chat.v1");
  socket().drop();
  t.mock.timers.tick(100);
  assert.equal(socket().url, "ws://h:1/feed");
  socket().open("");
  assert.deepEqual(got.gaps, [{ path: "/feed", from: null, to: null, count: null, reason: "unknown" }]);
});

test("send is false while not connected; close stops for good", (t) => {
  const { c, got, socket } = client(t);
  assert.equal(c.send("early"), false);
  socket().open();
  assert.equal(c.send("hi"), true);
  assert.deepEqual(socket().sent, ["hi"]);
  c.close();
  assert.equal(socket().closedWith, 1000);
  t.mock.timers.tick(60000);
  assert.equal(FakeSocket.made.length, 1);
  assert.equal(got.status[got.status.length - 1], "closed");
  assert.equal(c.send("late"), false);
});

test("a server that knows no subprotocol: after a failed attempt with rxws.pos, one without", (t) => {
  const { c, got, socket, data } = client(t, "ws://h:1/feed");
  assert.deepEqual(socket().protocols, [SUBPROTOCOL]);
  socket().drop();                      // the browser refused the answer
  t.mock.timers.tick(100);
  assert.equal(socket().protocols, undefined);
  socket().open("");
  socket().frame("plain");
  assert.deepEqual(data(), ["plain"]);
  assert.equal(c.status.positions, false);
  socket().drop();
  t.mock.timers.tick(1000);
  assert.deepEqual(socket().protocols, [SUBPROTOCOL]);
  socket().open();                      // upgraded meanwhile
  assert.deepEqual(got.gaps.map((g) => g.reason), ["unknown"]);
  socket().frame(`!head ${E}:7`);
  socket().drop();
  // Once rxws.pos was chosen, a failure is the network's: it is offered still.
  for (let i = 0; i < 3; i++) {
    t.mock.timers.tick(1000);
    assert.deepEqual(socket().protocols, [SUBPROTOCOL]);
    assert.equal(socket().url, `ws://h:1/feed?since=${E}:7`);
    socket().drop();
  }
});
