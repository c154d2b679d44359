// Reports to Tracehound with the real @sentry/node, driven by tests/sdk/test_sentry_node.py.
// Usage: node sentry.js SCENARIO (DSN in $SENTRY_DSN). Prints one JSON line: the event
// ids the SDK returned and the SDK version.
"use strict";
const Sentry = require("@sentry/node");

function divide(a, b) {
  if (b === 0) throw new RangeError(`cannot divide ${a} by zero`);
  return a / b;
}

function lookup(key) {
  const value = { a: 1 }[key];
  if (value === undefined) throw new TypeError(`no value for ${key}`);
  return value;
}

const scenarios = {
  grouping(ids) {
    // the same line twice; different messages, or the SDK's dedupe drops the second
    for (let i = 1; i <= 2; i++) {
      try { divide(i, 0); } catch (e) { ids.push(Sentry.captureException(e)); }
    }
    try { lookup("missing"); } catch (e) { ids.push(Sentry.captureException(e)); }
  },
  message(ids) {
    ids.push(Sentry.captureMessage("order 1234 shipped late by 3 days", "warning"));
    ids.push(Sentry.captureMessage("order 77 shipped late by 12 days", "warning"));
  },
  context(ids) {
    Sentry.setUser({ id: "u-42", email: "bo@example.com", username: "bo" });
    Sentry.setTag("region", "us");
    try { lookup("nope"); } catch (e) { ids.push(Sentry.captureException(e)); }
  },
};

async function main() {
  const scenario = process.argv[2];
  Sentry.init({
    dsn: process.env.SENTRY_DSN,
    release: "web@2.0.1",
    environment: "node-test",
    attachStacktrace: true, // captureMessage then carries a synthetic, typeless stack
    tracesSampleRate: 0,
  });
  const ids = [];
  scenarios[scenario](ids);
  const flushed = await Sentry.flush(10000);
  console.log(JSON.stringify({ ids, flushed, version: Sentry.SDK_VERSION }));
}

main().catch((err) => { console.error(err); process.exit(1); });
