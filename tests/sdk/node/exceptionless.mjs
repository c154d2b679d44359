#!/usr/bin/env node
// Drives the official Exceptionless Node client (npm `@exceptionless/node`) against a
// live Tracehound. Used by tests/sdk/test_exceptionless_node.py.
//
//   EXCEPTIONLESS_API_KEY=... EXCEPTIONLESS_SERVER_URL=http://127.0.0.1:8000 node exceptionless.mjs
//
// Run it with a scratch directory as the working directory: the client keeps its
// settings in ./.exceptionless. Every call the client makes to the server is recorded
// (name, status, config version header, parsed body) by wrapping its submission
// client. The client batches events every 10 s; processQueue() sends at once. The last
// line on stdout is JSON: {"calls": [...], "reference_id": ..., "settings_version": n}.
// Exit 0 when done, 1 on an exception, 3 on timeout.
import { Exceptionless } from "@exceptionless/node";

const apiKey = process.env.EXCEPTIONLESS_API_KEY;
const serverUrl = process.env.EXCEPTIONLESS_SERVER_URL;
const timer = setTimeout(() => {
  process.stderr.write("exceptionless.mjs: timed out\n");
  process.exit(3);
}, Number(process.env.EXCEPTIONLESS_TIMEOUT_MS || 30000));

// Two distinct functions that throw the same error from different lines: the frames
// (and the server's grouping) tell them apart.
function raiseInA() {
  throw new TypeError("bad value 17");
}

function raiseInB() {
  throw new TypeError("bad value 17");
}

function caught(fn) {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error(`${fn.name} did not throw`);
}

const calls = [];

function record(client) {
  for (const name of ["getSettings", "submitEvents", "submitUserDescription", "submitHeartbeat"]) {
    const original = client[name].bind(client);
    client[name] = async (...args) => {
      const response = await original(...args);
      calls.push({ name, status: response.status, settings_version: response.settingsVersion,
                   rate_limit_remaining: response.rateLimitRemaining, data: response.data });
      return response;
    };
  }
}

async function main() {
  record(Exceptionless.config.services.submissionClient);
  await Exceptionless.startup((c) => {
    c.apiKey = apiKey;
    c.serverUrl = serverUrl;
    c.usePersistedQueueStorage = false;
    c.setUserIdentity("u-77", "Ada");
    c.defaultTags.push("sdk-test");
    c.version = "1.4.2";
  });
  await Exceptionless.submitException(caught(raiseInA));
  await Exceptionless.submitException(caught(raiseInA));
  await Exceptionless.submitException(caught(raiseInB));
  const referenceId = Exceptionless.getLastReferenceId();
  await Exceptionless.submitLog("worker", "Worker 3 started", "info");
  await Exceptionless.submitFeatureUsage("export");
  await Exceptionless.submitNotFound("/missing");
  await Exceptionless.processQueue();
  await Exceptionless.updateUserEmailAndDescription(referenceId, "ada@example.com", "It broke");
  await Exceptionless.submitSessionHeartbeat("sess-1234");
  await Exceptionless.suspend();
  clearTimeout(timer);
  console.log(JSON.stringify({ calls, reference_id: referenceId,
                               settings_version: Exceptionless.config.settingsVersion }));
}

main().catch((err) => {
  process.stderr.write(`exceptionless.mjs: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
