#!/usr/bin/env node
// Drives the official rollbar.js SDK (npm `rollbar`, Node/server build) against a
// live Tracehound. Used by tests/sdk/test_rollbar_js.py.
//
//   ROLLBAR_ACCESS_TOKEN=... node report.js SCENARIO ENDPOINT [TOKEN]
//   (or ROLLBAR_SCENARIO, ROLLBAR_ENDPOINT in the environment)
//
// Prefer the token in the environment: rollbar.js sends process.argv with every
// item (data.server.argv), so a token on the command line is stored and read back.
// ENDPOINT is used as is, as the item URL: rollbar.js (3.x) does not append `item/`,
// so it is http://127.0.0.1:8000/api/1/item/ for Tracehound. Every report is sent one after the other and
// acknowledged (the SDK's callback, then rollbar.wait) before the next. The last line
// on stdout is JSON: {"scenario": ..., "sent": [{"name", "uuid", "response"}, ...],
// "errors": [...]}. Exit 0 when every send was acknowledged, 1 when one failed, 2 on
// bad usage, 3 on timeout.
'use strict';

const Rollbar = require('rollbar');

const scenarioName = process.argv[2] || process.env.ROLLBAR_SCENARIO;
const endpoint = process.argv[3] || process.env.ROLLBAR_ENDPOINT;
const accessToken = process.argv[4] || process.env.ROLLBAR_ACCESS_TOKEN;
const TIMEOUT_MS = Number(process.env.ROLLBAR_TIMEOUT_MS || 20000);

function usage(message) {
  process.stderr.write(`report.js: ${message}\n` +
    'usage: ROLLBAR_ACCESS_TOKEN=... node report.js SCENARIO ENDPOINT [TOKEN]\n' +
    `scenarios: ${Object.keys(SCENARIOS).join(', ')}\n`);
  process.exit(2);
}

// Two distinct functions that throw the same error from different lines, so the
// SDK's frames (and the server's fingerprint) tell them apart.
function raiseInA() {
  throw new TypeError('bad value 17');
}

function raiseInB() {
  throw new TypeError('bad value 17');
}

function caught(fn) {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error(`${fn.name} did not throw`);
}

// Errors thrown `times` times from the same line through the same call path: a JS
// stack holds every caller, so only errors made in one loop share all their frames.
function thrownFrom(fn, times) {
  const errors = [];
  for (let i = 0; i < times; i++) {
    errors.push(caught(fn));
  }
  return errors;
}

// Each scenario: extra SDK options, and a function building the named reports, each
// report a function (rollbar, callback) => {uuid} calling one SDK method.
const SCENARIOS = {
  'same-line': {
    reports() {
      const [first, second] = thrownFrom(raiseInA, 2);
      return [
        ['a1', (rb, cb) => rb.error(first, { job: 'a' }, cb)],
        ['a2', (rb, cb) => rb.error(second, { job: 'a' }, cb)],
      ];
    },
  },
  'other-function': {
    reports() {
      const [a] = thrownFrom(raiseInA, 1);
      const [b] = thrownFrom(raiseInB, 1);
      return [
        ['a', (rb, cb) => rb.error(a, { job: 'a' }, cb)],
        ['b', (rb, cb) => rb.error(b, cb)],
      ];
    },
  },
  messages: {
    reports() {
      return [
        ['w1', (rb, cb) => rb.warning('payment 1234 failed after 3 retries', cb)],
        ['w2', (rb, cb) => rb.warning('payment 98 failed after 5 retries', cb)],
        ['i', (rb, cb) => rb.info('a different message entirely', cb)],
      ];
    },
  },
  'read-back': {
    options: {
      payload: {
        person: { id: 'u-1', username: 'ann' },
        context: 'jobs#run',
      },
    },
    reports() {
      return [
        ['hello', (rb, cb) => rb.info('hello from the sdk', { answer: 42 }, cb)],
      ];
    },
  },
};

if (!endpoint) usage('no endpoint');
if (!accessToken) usage('no access token');
const scenario = SCENARIOS[scenarioName];
if (!scenario) usage(`unknown scenario ${JSON.stringify(scenarioName)}`);

const rollbar = new Rollbar({
  accessToken,
  endpoint,
  environment: 'sdk-js',
  codeVersion: '1.2.3',
  captureUncaught: false,
  captureUnhandledRejections: false,
  autoInstrument: false,
  logLevel: 'error',
  ...scenario.options,
});

const result = { scenario: scenarioName, endpoint, sent: [], errors: [] };

function finish(code) {
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exitCode = code;
  // Do not wait for keep-alive sockets or SDK timers.
  setImmediate(() => process.exit(code));
}

const timer = setTimeout(() => {
  result.errors.push(`timed out after ${TIMEOUT_MS} ms`);
  finish(3);
}, TIMEOUT_MS);

function sendOne(name, report) {
  return new Promise((resolve) => {
    const entry = { name, uuid: null, response: null };
    result.sent.push(entry);
    let settled = false;
    const done = (err, resp) => {
      if (settled) return;
      settled = true;
      if (err) {
        result.errors.push(`${name}: ${err && err.message ? err.message : String(err)}`);
      } else {
        entry.response = resp === undefined ? null : resp;
      }
      resolve();
    };
    try {
      const ret = report(rollbar, done);
      entry.uuid = ret && ret.uuid ? ret.uuid : null;
    } catch (err) {
      done(err);
    }
  });
}

const reports = scenario.reports();

(async () => {
  for (const [name, report] of reports) {
    await sendOne(name, report);
  }
  // Everything queued has had its callback; wait() also drains the SDK's own queue.
  rollbar.wait(() => {
    clearTimeout(timer);
    for (const entry of result.sent) {
      if (!entry.response || !entry.response.uuid) {
        if (!result.errors.some((e) => e.startsWith(`${entry.name}:`))) {
          result.errors.push(`${entry.name}: no uuid in the server's response`);
        }
      }
    }
    finish(result.errors.length ? 1 : 0);
  });
})();
