// Reports to Tracehound with the real @bugsnag/js (its Node build), driven by
// tests/sdk/test_bugsnag_node.py. Usage: node bugsnag.js SCENARIO, with the API key and
// base URL in $BUGSNAG_API_KEY and $TRACEHOUND_URL. Prints one JSON line: the delivery
// results, the notifier version and what the notifier logged as warnings or errors.
"use strict";
const Bugsnag = require("@bugsnag/js");

const logged = [];
const logger = {
  debug() {}, info() {},
  warn(...args) { logged.push(args.map(String).join(" ")); },
  error(...args) { logged.push(args.map(String).join(" ")); },
};

function divide(a, b) {
  if (b === 0) throw new RangeError(`cannot divide ${a} by zero`);
  return a / b;
}

function lookup(key) {
  const value = { a: 1 }[key];
  if (value === undefined) throw new TypeError(`no value for ${key}`);
  return value;
}

function caught(fn, ...args) {
  try { fn(...args); } catch (e) { return e; }
  throw new Error("did not throw");
}

// notify() and wait for its delivery: the callback runs once the request is answered
function notify(error, onError) {
  return new Promise((resolve) => {
    Bugsnag.notify(error, onError, (err) => resolve(err ? String(err) : null));
  });
}

const scenarios = {
  async notify(results) {
    // every report after an await: V8's stack of the first synchronous call would start
    // at the module (Object.<anonymous> → main) and differ from the later async ones
    await null;
    results.push(await notify(caught(divide, 1, 0)));
    results.push(await notify(caught(divide, 2, 0), (event) => {
      event.context = "GET /cart";
      event.severity = "info";
      event.setUser("u-42", "bo@example.com", "Bo");
      event.addMetadata("order", { id: 7 });
    }));
    results.push(await notify(caught(lookup, "missing")));
    const chained = new Error("cannot charge order 12", { cause: caught(lookup, "o-12") });
    results.push(await notify(chained));
    results.push(await notify(caught(divide, 3, 0), (e) => { e.groupingHash = "checkout-failed"; }));
    results.push(await notify(caught(lookup, "gone"), (e) => { e.groupingHash = "checkout-failed"; }));
    // three sessions, summarised every 200 ms (sessionSummaryInterval)
    for (let i = 0; i < 3; i++) Bugsnag.startSession();
    await new Promise((resolve) => setTimeout(resolve, 1500));
  },
  async unhandled() {
    setTimeout(() => divide(9, 0), 10); // uncaught: the notifier reports it, then exits 1
    await new Promise((resolve) => setTimeout(resolve, 10000));
  },
};

function report(results) {
  console.log(JSON.stringify({ results, logged, version: Bugsnag._client
    ? Bugsnag._client._notifier.version : null }));
}

async function main() {
  const scenario = process.argv[2];
  const base = process.env.TRACEHOUND_URL;
  Bugsnag.start({
    apiKey: process.env.BUGSNAG_API_KEY,
    endpoints: { notify: `${base}/bugsnag/notify`, sessions: `${base}/bugsnag/sessions` },
    releaseStage: "node-test",
    appVersion: "2.0.1",
    hostname: "node-1",
    autoTrackSessions: false,
    sessionSummaryInterval: 200,
    logger,
  });
  const results = [];
  process.on("exit", () => { if (scenario === "unhandled") report(results); });
  await scenarios[scenario](results);
  report(results);
  process.exit(0); // a failing session delivery would keep retrying for minutes
}

main().catch((err) => { console.error(err); process.exit(2); });
