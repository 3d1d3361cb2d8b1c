// Talks to a localnet through a JavaScript IC agent, with every check the agent offers switched on
// (certificates, subnet delegations and their canister ranges, query node signatures, certificate
// freshness), and exits non-zero on the first thing that does not behave as on the IC.
//
// usage: node agent-check.mjs <flavour> <json>
//   flavour: "dfinity" (@dfinity/agent 3.x: v3 call falling back to v2, v2 query and read_state)
//            "icp-sdk" (@icp-sdk/core: v4 call, v3 query and read_state)
//   json:    {"url", "rootKey", "canisterId", "moduleHash", "controller",
//             "updateArg", "updateReply", "queryArg", "queryReply"}  (byte strings in hex)

const [flavour, json] = process.argv.slice(2);
const expected = JSON.parse(json);

const modules = {
  dfinity: { agent: '@dfinity/agent', identity: '@dfinity/identity', principal: '@dfinity/principal' },
  'icp-sdk': { agent: '@icp-sdk/core/agent', identity: '@icp-sdk/core/identity', principal: '@icp-sdk/core/principal' },
}[flavour];
if (!modules) {
  fail(`unknown agent flavour ${flavour}`);
}
const { HttpAgent, CanisterStatus, Certificate, lookupResultToBuffer, polling } = await import(modules.agent);
const { Ed25519KeyIdentity } = await import(modules.identity);
const { Principal } = await import(modules.principal);

function fail(message) {
  console.error(`FAIL [${flavour}] ${message}`);
  process.exit(1);
}

function check(condition, message) {
  if (!condition) {
    fail(message);
  }
}

const describe = (value) =>
  JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? hex(v) : v));
const hex = (bytes) => Buffer.from(bytes).toString('hex');
const fromHex = (text) => new Uint8Array(Buffer.from(text, 'hex'));
const utf8 = (bytes) => Buffer.from(bytes).toString('utf8');

// Requests over HTTP, recorded so the check can say which endpoint versions the agent used.
const requests = [];
const recordingFetch = (input, init) => {
  requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
  return fetch(input, init);
};

try {
  const identity = Ed25519KeyIdentity.generate();
  const canisterId = Principal.fromText(expected.canisterId);
  const agent = await HttpAgent.create({
    host: expected.url,
    identity,
    fetch: recordingFetch,
    shouldFetchRootKey: true,
    verifyQuerySignatures: true,
  });
  check(hex(agent.rootKey) === expected.rootKey, `fetched root key ${hex(agent.rootKey)}`);

  // Update call: a synchronous call whose certificate the agent verifies, then the same status
  // again through read_state polling.
  let reply;
  let requestId;
  if (typeof agent.update === 'function') {
    const result = await agent.update(canisterId, { methodName: 'update', arg: fromHex(expected.updateArg) });
    reply = result.reply;
    requestId = result.requestId;
  } else {
    const { requestId: id, response } = await agent.call(canisterId, {
      methodName: 'update',
      arg: fromHex(expected.updateArg),
      effectiveCanisterId: canisterId,
    });
    requestId = id;
    check(response.status === 200, `sync call answered ${response.status}`);
    check(response.body?.certificate, 'the sync call carried no certificate');
    const certificate = await Certificate.create({
      certificate: response.body.certificate,
      rootKey: agent.rootKey,
      canisterId,
    });
    reply = lookupResultToBuffer(certificate.lookup_path(['request_status', requestId, 'reply']));
  }
  check(reply && utf8(reply) === expected.updateReply, `update replied ${reply && utf8(reply)}`);
  if (requestId) {
    const target = flavour === 'icp-sdk' ? { canisterId } : canisterId;
    const polled = await polling.pollForResponse(agent, target, requestId);
    check(utf8(polled.reply) === expected.updateReply, `read_state polling found ${utf8(polled.reply)}`);
  }

  // Query: the agent fetches the subnet's node keys through read_state and checks the signature.
  const query = await agent.query(canisterId, { methodName: 'query', arg: fromHex(expected.queryArg) });
  check(query.status === 'replied', `query ${describe(query)}`);
  check(utf8(query.reply.arg) === expected.queryReply, `query replied ${utf8(query.reply.arg)}`);
  check(query.signatures?.length === 1, 'the query carried no node signature');

  // read_state of the canister's certified facts.
  const status = await CanisterStatus.request({
    canisterId,
    agent,
    paths: ['time', 'controllers', 'module_hash'],
  });
  const moduleHash = status.get('module_hash');
  check(moduleHash === expected.moduleHash, `module_hash ${moduleHash}`);
  const controllers = status.get('controllers').map((p) => p.toText());
  check(controllers.includes(expected.controller), `controllers ${controllers}`);
  const time = status.get('time');
  check(Math.abs(time.getTime() - Date.now()) < 5 * 60 * 1000, `certified time ${time.toISOString()}`);

  console.log(`OK [${flavour}] ${requests.filter((r) => r.startsWith('POST')).join(', ')}`);
} catch (e) {
  fail(e?.stack ?? String(e));
}
