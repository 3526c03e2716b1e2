#!/usr/bin/env node
// Checks a Nodus node on bitcoin-regtest with an independent Bitcoin implementation: every frame is split and
// checksummed here, decoded with bitcore-p2p's codec, re-encoded by it and compared byte for byte with what arrived;
// headers, blocks, transactions and hashes are verified with bitcore-lib. Exits 1 with a clear message on any mismatch.
//
//   node check.js --port P --height N [--relay-port P2 --nodus-rpc '["dotnet","nodus.dll","rpc","--datadir","D"]']
//
// With --nodus-rpc it also sends a bitcore-built transaction through sendrawtransaction and waits for it on the
// node at --relay-port, and makes the node dial a bitcore listener (addnode onetry) to check what it sends first.
'use strict';

const net = require('net');
const crypto = require('crypto');
const { execFileSync } = require('child_process');
const bitcore = require('bitcore-lib');
const p2p = require('bitcore-p2p');

const { Block, BlockHeader, Transaction, PrivateKey, Networks } = bitcore;
const Hash = bitcore.crypto.Hash;
const network = Networks.get('regtest');
// Bitcoin Core's regtest genesis (chainparams.cpp), written here independently of Nodus.
const GENESIS = '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206';
const ZERO = '0000000000000000000000000000000000000000000000000000000000000000';
const PROTOCOL_VERSION = 70016;
// Commands Bitcoin defines that bitcore-p2p 10 has no codec for, with their fixed payload sizes (BIPs 130, 133, 152,
// 155, 339): such frames are checked for size only.
const FIXED_SIZE_COMMANDS = { sendheaders: 0, wtxidrelay: 0, sendaddrv2: 0, feefilter: 8, sendcmpct: 9 };
// Every command received from Nodus on any connection, for the summary.
const allCommands = [];

function fail(message) {
  console.error('interop: FAIL: ' + message);
  process.exit(1);
}

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) fail('usage: check.js --port P --height N [--relay-port P2 --nodus-rpc JSON]');
    args[argv[i].slice(2)] = argv[i + 1];
  }
  if (!args.port || args.height === undefined) fail('--port and --height are required');
  return args;
}

/** One connection speaking through bitcore-p2p's codec, with strict framing and a re-encoding check on every frame. */
class StrictPeer {
  constructor(port, name) {
    this.name = name;
    this.port = port;
    this.messages = new p2p.Messages({ network, protocolVersion: PROTOCOL_VERSION });
    this.buffer = Buffer.alloc(0);
    this.waiters = [];
    this.received = [];
    this.commands = [];
  }

  connect() {
    return new Promise((resolve, reject) => {
      this.attach(net.connect(this.port, '127.0.0.1', resolve));
      setTimeout(() => reject(new Error('connect timeout')), 5000).unref();
    });
  }

  attach(socket) {
    this.socket = socket;
    socket.on('error', (e) => (this.closing ? null : fail(`${this.name}: socket error ${e.message}`)));
    socket.on('close', () => { if (!this.closing) fail(`${this.name}: the node closed the connection`); });
    socket.on('data', (data) => this.onData(data));
  }

  onData(data) {
    this.buffer = Buffer.concat([this.buffer, data]);
    while (this.buffer.length >= 24) {
      const magic = this.buffer.readUInt32BE(0);
      if (magic !== network.networkMagic.readUInt32BE(0)) fail(`${this.name}: bad magic ${this.buffer.slice(0, 4).toString('hex')}`);
      const commandBytes = this.buffer.slice(4, 16);
      const command = commandBytes.toString('ascii').replace(/\0+$/, '');
      if (!/^[a-z0-9]+$/.test(command) || !commandBytes.slice(command.length).every((b) => b === 0)) {
        fail(`${this.name}: command field not NUL-padded ASCII: ${commandBytes.toString('hex')}`);
      }
      const length = this.buffer.readUInt32LE(16);
      if (length > 4000000) fail(`${this.name}: ${command} payload length ${length} above 4,000,000`);
      if (this.buffer.length < 24 + length) return;
      const frame = this.buffer.slice(0, 24 + length);
      this.buffer = this.buffer.slice(24 + length);
      const payload = frame.slice(24);
      if (!Hash.sha256sha256(payload).slice(0, 4).equals(frame.slice(20, 24))) fail(`${this.name}: bad checksum on ${command}`);
      this.commands.push(command);
      allCommands.push(command);
      this.onFrame(command, frame, payload);
    }
  }

  onFrame(command, frame, payload) {
    let message;
    if (command in FIXED_SIZE_COMMANDS) {
      if (payload.length !== FIXED_SIZE_COMMANDS[command]) fail(`${this.name}: ${command} payload is ${payload.length} bytes, Bitcoin defines ${FIXED_SIZE_COMMANDS[command]}`);
      message = { command, payload };
    } else {
      try {
        // bitcore-p2p's own per-command codec (its stream splitter needs a GitHub-only fork of `buffers`; framing
        // and checksums are checked above instead, with bitcore-lib's hash).
        message = this.messages._buildFromBuffer(command, payload);
      } catch (e) {
        fail(`${this.name}: bitcore-p2p cannot decode ${command} (${payload.toString('hex').slice(0, 200)}): ${e.message}`);
      }
      if (!message) fail(`${this.name}: bitcore-p2p refused the ${command} frame`);
      const again = message.toBuffer();
      if (!again.equals(frame)) {
        fail(`${this.name}: ${command} re-encoded by bitcore-p2p differs:\n  node:    ${frame.toString('hex')}\n  bitcore: ${again.toString('hex')}`);
      }
    }
    if (command === 'ping') this.send(this.messages.Pong(message.nonce));
    this.received.push(message);
    this.waiters = this.waiters.filter((w) => !(w.test(message) && (w.resolve(message), true)));
  }

  send(message) {
    this.socket.write(message.toBuffer());
  }

  /** Resolves with the first message (already received or arriving) that passes the test. */
  expect(what, test, timeoutMs = 15000) {
    const found = this.received.find(test);
    if (found) {
      this.received.splice(this.received.indexOf(found), 1);
      return Promise.resolve(found);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => fail(`${this.name}: no ${what} within ${timeoutMs} ms (received: ${this.commands.join(', ')})`), timeoutMs);
      this.waiters.push({
        test,
        resolve: (m) => { clearTimeout(timer); this.received.splice(this.received.indexOf(m), 1); resolve(m); },
      });
    });
  }

  async handshake(expectHeight) {
    await this.connect();
    // The inbound side waits for the dialer's version (Bitcoin's handshake order); ours is bitcore's codec.
    this.send(this.messages.Version({ version: PROTOCOL_VERSION, services: new bitcore.crypto.BN(9), subversion: '/bitcore-interop/', startHeight: 0, relay: true }));
    const version = await this.expect('version', (m) => m.command === 'version');
    if (version.version !== PROTOCOL_VERSION) fail(`${this.name}: version ${version.version}, expected ${PROTOCOL_VERSION}`);
    if (!/^\/[^/]+:[0-9.]+\/$/.test(version.subversion)) fail(`${this.name}: user agent ${version.subversion} is not BIP 14`);
    if (expectHeight !== undefined && version.startHeight !== expectHeight) fail(`${this.name}: start height ${version.startHeight}, expected ${expectHeight}`);
    await this.expect('verack', (m) => m.command === 'verack');
    this.send(this.messages.VerAck());
    console.log(`${this.name}: handshake ok: ${version.subversion} version ${version.version} services ${version.services} height ${version.startHeight}`);
    return version;
  }

  async ping() {
    const nonce = crypto.randomBytes(8);
    this.send(this.messages.Ping(nonce));
    await this.expect('pong with our nonce', (m) => m.command === 'pong' && Buffer.from(m.nonce).equals(nonce));
  }

  close() {
    this.closing = true;
    this.socket.end();
  }
}

async function checkChain(peer, height) {
  // getaddr: the node may answer addr (decoded above) or nothing; it must stay connected and answer a ping after it.
  peer.send(peer.messages.GetAddr());
  await peer.ping();
  console.log(`${peer.name}: ping/pong ok, getaddr accepted (addr messages so far: ${peer.commands.filter((c) => c === 'addr').length})`);

  // getheaders from the genesis locator: every header links to the previous one and meets its own target.
  peer.send(peer.messages.GetHeaders({ starts: [GENESIS], stop: ZERO }));
  const headers = (await peer.expect('headers', (m) => m.command === 'headers')).headers;
  if (headers.length !== height) fail(`headers: ${headers.length} headers, expected ${height}`);
  let previous = GENESIS;
  headers.forEach((header, i) => {
    if (header.prevHash.toString('hex') !== Buffer.from(previous, 'hex').reverse().toString('hex')) fail(`headers: header ${i + 1} does not link to ${previous}`);
    if (!header.validProofOfWork()) fail(`headers: header ${i + 1} (${header.hash}) is above its target ${header.bits.toString(16)}`);
    if (header.bits !== 0x207fffff) fail(`headers: header ${i + 1} bits ${header.bits.toString(16)}, regtest's are 207fffff`);
    previous = header.hash;
  });
  console.log(`headers: ${headers.length} headers link from the genesis and meet their targets; tip ${previous}`);

  // getdata for every block: decoded by bitcore-lib, header identical to the one announced, merkle root recomputed.
  const inventory = headers.map((h) => p2p.Inventory.forBlock(h.hash));
  peer.send(peer.messages.GetData(inventory));
  for (let i = 0; i < headers.length; i++) {
    const block = (await peer.expect(`block ${headers[i].hash}`, (m) => m.command === 'block' && m.block.hash === headers[i].hash)).block;
    if (!block.header.toBuffer().equals(headers[i].toBuffer())) fail(`block ${i + 1}: header differs from the headers message`);
    if (!block.validMerkleRoot()) fail(`block ${i + 1}: merkle root does not match its transactions`);
    if (!block.transactions[0].isCoinbase()) fail(`block ${i + 1}: first transaction is not a coinbase`);
    const bip34 = bitcore.Script.fromBuffer(block.transactions[0].inputs[0]._scriptBuffer).chunks[0];
    const coded = bip34.opcodenum >= 0x51 && bip34.opcodenum <= 0x60 ? bip34.opcodenum - 0x50 : bitcore.crypto.BN.fromSM(bip34.buf, { endian: 'little' }).toNumber();
    if (coded !== i + 1) fail(`block ${i + 1}: coinbase script starts with height ${coded} (BIP 34)`);
  }
  console.log(`blocks: ${headers.length} blocks decoded, merkle roots and BIP 34 heights verified`);

  // getblocks from the genesis locator: an inv of the same hashes, in chain order.
  peer.send(peer.messages.GetBlocks({ starts: [GENESIS], stop: ZERO }));
  const inv = (await peer.expect('inv', (m) => m.command === 'inv' && m.inventory.length > 0 && m.inventory[0].type === p2p.Inventory.TYPE.BLOCK)).inventory;
  const expected = headers.slice(0, 500).map((h) => h.hash);
  const got = inv.map((item) => Buffer.from(item.hash).reverse().toString('hex'));
  if (got.join() !== expected.join()) fail(`getblocks: inv lists ${got.length} hashes that are not the chain's first ${expected.length}`);
  console.log(`getblocks: inv of ${got.length} block hashes in chain order`);
  return { hash: previous, parent: headers.length > 1 ? headers[headers.length - 2].hash : GENESIS };
}

async function checkTransaction(args) {
  // A signed pay-to-pubkey-hash spend of a made-up outpoint: well-formed, its input unknown (the validator is permissive).
  const key = new PrivateKey(undefined, network);
  const tx = new Transaction()
    .from({ txId: crypto.randomBytes(32).toString('hex'), outputIndex: 0, script: bitcore.Script.buildPublicKeyHashOut(key.toAddress()), satoshis: 50000 })
    .to(new PrivateKey(undefined, network).toAddress(), 40000)
    .sign(key);
  const relay = new StrictPeer(Number(args['relay-port']), 'relay-node');
  await relay.handshake();

  const txid = nodusRpc(args, 'sendrawtransaction', tx.serialize());
  if (txid !== tx.hash) fail(`sendrawtransaction answered ${txid}, bitcore-lib computes ${tx.hash}`);
  console.log(`tx: sendrawtransaction accepted ${txid}`);

  // The second node learns it by relay; we ask it (mempool, then getdata) until it serves the same bytes.
  const deadline = Date.now() + 60000;
  for (;;) {
    relay.send(relay.messages.MemPool());
    await relay.ping();
    const announced = relay.received.filter((m) => m.command === 'inv').some((m) => m.inventory.some((item) => Buffer.from(item.hash).reverse().toString('hex') === txid));
    if (announced) break;
    if (Date.now() > deadline) fail(`tx: ${txid} did not reach the second node within 60 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  relay.send(relay.messages.GetData([p2p.Inventory.forTransaction(txid)]));
  const served = (await relay.expect('tx', (m) => m.command === 'tx')).transaction;
  if (!served.toBuffer().equals(tx.toBuffer())) fail('tx: the second node serves different bytes than bitcore-lib built');
  console.log(`tx: the second node announced and served ${txid}, byte-identical`);
  relay.close();
}

function nodusRpc(args, ...params) {
  const command = JSON.parse(args['nodus-rpc']);
  try {
    return execFileSync(command[0], [...command.slice(1), ...params], { encoding: 'utf8' }).trim();
  } catch (e) {
    return fail(`nodus rpc ${params[0]} failed: ${e.stderr || e.message}`);
  }
}

/** The node dials a bitcore listener: it must speak first (version), then ask for headers with a Bitcoin locator. */
async function checkOutbound(args, tip) {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise((resolve) => server.once('connection', resolve));
  nodusRpc(args, 'addnode', `127.0.0.1:${server.address().port}`, 'onetry');
  const peer = new StrictPeer(0, 'outbound-from-node');
  peer.attach(await accepted);
  const version = await peer.expect('version from the dialing node', (m) => m.command === 'version');
  if (peer.commands[0] !== 'version') fail(`outbound-from-node: first message ${peer.commands[0]}, Bitcoin's dialer sends version first`);
  if (version.version !== PROTOCOL_VERSION) fail(`outbound-from-node: version ${version.version}`);
  // A taller start height than the node's makes it sync from us, so it sends its getheaders.
  peer.send(peer.messages.Version({ version: PROTOCOL_VERSION, services: new bitcore.crypto.BN(9), subversion: '/bitcore-interop/', startHeight: 100000, relay: true }));
  peer.send(peer.messages.VerAck());
  await peer.expect('verack', (m) => m.command === 'verack');
  const request = await peer.expect('getheaders', (m) => m.command === 'getheaders');
  const starts = request.starts.map((h) => Buffer.from(h).reverse().toString('hex'));
  if (starts[starts.length - 1] !== GENESIS) fail(`outbound-from-node: locator ${starts.join()} does not end at the genesis`);
  // Nodus starts its locator at its best header's parent, so a peer's reply always shows that peer's tip.
  if (!starts.includes(tip.hash) && !starts.includes(tip.parent)) fail(`outbound-from-node: locator ${starts.join()} lacks the tip or its parent`);
  if (request.version !== PROTOCOL_VERSION) fail(`outbound-from-node: getheaders version ${request.version}`);
  await peer.ping();
  console.log(`outbound: the node dialed us, spoke version first, asked getheaders with a ${starts.length}-entry locator ending at the genesis`);
  peer.close();
  server.close();
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const height = Number(args.height);
  const peer = new StrictPeer(Number(args.port), 'node');
  await peer.handshake(height);
  const tip = await checkChain(peer, height);
  if (args['nodus-rpc']) {
    await checkTransaction(args);
    await checkOutbound(args, tip);
  }
  await peer.ping();
  console.log(`interop: OK (${allCommands.length} frames from Nodus, each checksummed, decoded by bitcore-p2p and re-encoded to the same bytes: ${[...new Set(allCommands)].join(', ')})`);
  peer.close();
  process.exit(0);
}

main().catch((e) => fail(e.stack || String(e)));
