#!/usr/bin/env node
// A second, independent judge: bcoin (a full Bitcoin node in JavaScript). Its own Parser frames every message from
// Nodus (magic, NUL-terminated command, size, checksum) and decodes it; each payload must re-encode to the same bytes.
// Headers pass bcoin's proof of work, blocks bcoin's context-free CheckBlock (checkBody), and a segwit transaction
// built and signed by bcoin goes through sendrawtransaction and must come back from the second node, witness included.
//
//   node bcoin-check.js --port P --height N [--relay-port P2 --nodus-rpc JSON]
'use strict';

// bcoin's pure-JavaScript backends: its native addons (leveldown, mrmr, bcrypto) are not built (interop/.npmrc).
process.env.NODE_BACKEND = 'js';

const net = require('net');
const crypto = require('crypto');
const { execFileSync } = require('child_process');
const bcoin = require('bcoin');
const Parser = require('bcoin/lib/net/parser');
const Framer = require('bcoin/lib/net/framer');

const { packets, Network, KeyRing, MTX, Coin, Script, InvItem } = bcoin;
const network = Network.get('regtest');
const PROTOCOL_VERSION = 70016;

function fail(message) {
  console.error('bcoin-check: FAIL: ' + message);
  process.exit(1);
}

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
if (!args.port || args.height === undefined) fail('usage: bcoin-check.js --port P --height N [--relay-port P2 --nodus-rpc JSON]');
const frames = [];

/** A connection framed by bcoin's Parser and Framer; every decoded payload is re-encoded and compared. */
class BcoinPeer {
  constructor(port, name) {
    this.name = name;
    this.port = port;
    this.parser = new Parser(network);
    this.framer = new Framer(network);
    this.received = [];
    this.waiters = [];
    this.parser.on('error', (e) => fail(`${name}: bcoin's parser rejects a frame: ${e.message}`));
    this.parser.on('packet', (packet) => this.onPacket(packet));
  }

  connect() {
    return new Promise((resolve) => {
      this.socket = net.connect(this.port, '127.0.0.1', resolve);
      this.socket.on('error', (e) => (this.closing ? null : fail(`${this.name}: ${e.message}`)));
      this.socket.on('close', () => { if (!this.closing) fail(`${this.name}: the node closed the connection`); });
      this.socket.on('data', (data) => {
        this.raw = Buffer.concat([this.raw || Buffer.alloc(0), data]);
        this.parser.feed(data);
      });
    });
  }

  onPacket(packet) {
    // The payload bcoin decoded is the frame at the head of the raw stream (the parser is sequential).
    const size = this.raw.readUInt32LE(16);
    const payload = this.raw.slice(24, 24 + size);
    this.raw = this.raw.slice(24 + size);
    frames.push(packet.cmd);
    if (packet.type === packets.types.UNKNOWN) fail(`${this.name}: bcoin does not know command ${packet.cmd}`);
    // Blocks arrive as bcoin MemBlocks (raw bytes kept); parse them fully and drop every cached serialization and
    // hash, so the comparison is against bcoin's own encoder.
    if (packet.type === packets.types.BLOCK) packet.block = packet.block.toBlock();
    if (packet.type === packets.types.BLOCK) packet.block.refresh(true);
    if (packet.type === packets.types.TX) packet.tx.refresh();
    // BIP 152 version 2: compact blocks carry witness transactions; bcoin's packet re-encodes without them by default.
    if (packet.type === packets.types.CMPCTBLOCK || packet.type === packets.types.BLOCKTXN) packet.witness = true;
    const again = packet.type === packets.types.BLOCK ? packet.block.toRaw()
      : packet.type === packets.types.TX ? packet.tx.toRaw() : packet.toRaw();
    if (!again.equals(payload)) fail(`${this.name}: ${packet.cmd} re-encoded by bcoin differs:\n  node:  ${payload.toString('hex')}\n  bcoin: ${again.toString('hex')}`);
    if (packet.type === packets.types.PING) this.send(new packets.PongPacket(packet.nonce));
    this.received.push(packet);
    this.waiters = this.waiters.filter((w) => !(w.test(packet) && (w.resolve(packet), true)));
  }

  send(packet) {
    this.socket.write(this.framer.packet(packet.cmd, packet.toRaw()));
  }

  expect(what, test, timeoutMs = 15000) {
    const take = (p) => { this.received.splice(this.received.indexOf(p), 1); return p; };
    const found = this.received.find(test);
    if (found) return Promise.resolve(take(found));
    return new Promise((resolve) => {
      const timer = setTimeout(() => fail(`${this.name}: no ${what} within ${timeoutMs} ms`), timeoutMs);
      this.waiters.push({ test, resolve: (p) => { clearTimeout(timer); resolve(take(p)); } });
    });
  }

  async handshake() {
    await this.connect();
    this.send(new packets.VersionPacket({ version: PROTOCOL_VERSION, services: 9, agent: '/bcoin-interop/', height: 0, nonce: crypto.randomBytes(8) }));
    const version = await this.expect('version', (p) => p.cmd === 'version');
    await this.expect('verack', (p) => p.cmd === 'verack');
    this.send(new packets.VerackPacket());
    if (version.version !== PROTOCOL_VERSION) fail(`${this.name}: version ${version.version}`);
    console.log(`${this.name}: handshake ok: ${version.agent} height ${version.height} services ${version.services}`);
    return version;
  }

  async ping() {
    const nonce = crypto.randomBytes(8);
    this.send(new packets.PingPacket(nonce));
    await this.expect('pong', (p) => p.cmd === 'pong' && p.nonce.equals(nonce));
  }
}

function nodusRpc(...params) {
  const command = JSON.parse(args['nodus-rpc']);
  try {
    return execFileSync(command[0], [...command.slice(1), ...params], { encoding: 'utf8' }).trim();
  } catch (e) {
    return fail(`nodus rpc ${params[0]} failed: ${e.stderr || e.message}`);
  }
}

async function main() {
  const height = Number(args.height);
  const peer = new BcoinPeer(Number(args.port), 'node');
  const version = await peer.handshake();
  if (version.height !== height) fail(`start height ${version.height}, expected ${height}`);
  await peer.ping();

  peer.send(new packets.GetHeadersPacket([network.genesis.hash], null));
  const headers = (await peer.expect('headers', (p) => p.cmd === 'headers')).items;
  if (headers.length !== height) fail(`${headers.length} headers, expected ${height}`);
  let previous = network.genesis.hash;
  for (const [i, header] of headers.entries()) {
    if (header.prevBlock !== previous) fail(`header ${i + 1} does not link to its predecessor`);
    if (!header.verifyPOW()) fail(`header ${i + 1} fails bcoin's proof-of-work check`);
    if (header.bits !== network.pow.bits) fail(`header ${i + 1} bits ${header.bits.toString(16)}`);
    previous = header.hash('hex');
  }
  console.log(`headers: ${height} headers link from bcoin's regtest genesis and pass verifyPOW`);

  peer.send(new packets.GetDataPacket(headers.map((h) => new InvItem(InvItem.types.WITNESS_BLOCK, h.hash('hex')))));
  for (const [i, header] of headers.entries()) {
    const block = (await peer.expect(`block ${header.rhash()}`, (p) => p.cmd === 'block' && p.block.hash('hex') === header.hash('hex'))).block;
    const [valid, reason] = block.checkBody();
    if (!valid) fail(`block ${i + 1} fails bcoin's CheckBlock: ${reason}`);
    if (block.getCoinbaseHeight() !== i + 1) fail(`block ${i + 1}: coinbase height ${block.getCoinbaseHeight()} (BIP 34)`);
  }
  console.log(`blocks: ${height} blocks pass bcoin's checkBody (merkle root, sizes, sigops, coinbase, duplicates) and BIP 34`);

  // BIP 152: the node offered compact blocks (sendcmpct version 2) and answers getdata MSG_CMPCT_BLOCK for its tip
  // with a cmpctblock that bcoin decodes, re-encodes to the same bytes, and whose short ids are bcoin's own.
  const offer = await peer.expect('sendcmpct', (p) => p.cmd === 'sendcmpct');
  if (offer.version !== 2) fail(`sendcmpct version ${offer.version}, expected 2`);
  if (height > 0) {
    const tip = headers[height - 1];
    const full = (await (async () => {
      peer.send(new packets.GetDataPacket([new InvItem(InvItem.types.WITNESS_BLOCK, tip.hash('hex'))]));
      return (await peer.expect('tip block', (p) => p.cmd === 'block' && p.block.hash('hex') === tip.hash('hex'))).block;
    })());
    peer.send(new packets.GetDataPacket([new InvItem(InvItem.types.CMPCT_BLOCK, tip.hash('hex'))]));
    const compact = (await peer.expect('cmpctblock', (p) => p.cmd === 'cmpctblock')).block;
    if (compact.hash('hex') !== tip.hash('hex')) fail('cmpctblock: not the requested block');
    if (compact.totalTX !== full.txs.length) fail(`cmpctblock: ${compact.totalTX} transactions, block has ${full.txs.length}`);
    if (compact.ptx.length < 1 || compact.ptx[0][0] !== 0) fail('cmpctblock: the coinbase is not prefilled at index 0');
    const ids = full.txs.slice(1).map((tx) => compact.sid(tx.witnessHash()));
    if (ids.join() !== compact.ids.join()) fail('cmpctblock: short ids differ from bcoin\'s over the wtxids');
    console.log(`cmpctblock: the tip as a compact block of ${compact.totalTX} transactions, short ids as bcoin computes them`);
  }

  peer.send(new packets.GetBlocksPacket([network.genesis.hash], null));
  const inv = (await peer.expect('inv', (p) => p.cmd === 'inv' && p.items.length > 0 && p.items[0].isBlock())).items;
  if (inv.map((item) => item.hash).join() !== headers.slice(0, 500).map((h) => h.hash('hex')).join()) fail('getblocks: inv is not the chain in order');
  console.log(`getblocks: inv of ${inv.length} hashes in chain order`);

  if (args['nodus-rpc']) {
    // A P2WPKH spend of a made-up outpoint, signed by bcoin: the witness serialization must survive relay intact.
    const ring = KeyRing.generate();
    ring.witness = true;
    const coin = Coin.fromOptions({ hash: crypto.randomBytes(32).toString('hex'), index: 0, value: 50000, script: ring.getProgram() });
    const mtx = new MTX();
    mtx.addCoin(coin);
    mtx.addOutput(Script.fromProgram(0, KeyRing.generate().getKeyHash()), 40000);
    mtx.sign(ring);
    const tx = mtx.toTX();
    if (!tx.hasWitness()) fail('bcoin built a transaction without witness');
    const relay = new BcoinPeer(Number(args['relay-port']), 'relay-node');
    await relay.handshake();
    const txid = nodusRpc('sendrawtransaction', tx.toRaw().toString('hex'));
    if (txid !== tx.txid()) fail(`sendrawtransaction answered ${txid}, bcoin computes txid ${tx.txid()}`);
    const deadline = Date.now() + 60000;
    for (;;) {
      relay.send(new packets.MempoolPacket());
      await relay.ping();
      if (relay.received.some((p) => p.cmd === 'inv' && p.items.some((item) => item.rhash() === txid))) break;
      if (Date.now() > deadline) fail(`${txid} did not reach the second node within 60 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
    relay.send(new packets.GetDataPacket([new InvItem(InvItem.types.WITNESS_TX, tx.hash('hex'))]));
    const served = (await relay.expect('tx', (p) => p.cmd === 'tx')).tx;
    if (!served.toRaw().equals(tx.toRaw())) fail('the second node serves different bytes than bcoin built');
    if (served.wtxid() !== tx.wtxid()) fail('wtxid differs');
    console.log(`tx: segwit ${txid} (wtxid ${tx.wtxid()}) relayed to the second node and served with its witness, byte-identical`);
    relay.closing = true;
    relay.socket.end();
  }

  await peer.ping();
  console.log(`bcoin-check: OK (${frames.length} frames from Nodus framed by bcoin's Parser, decoded and re-encoded identically: ${[...new Set(frames)].join(', ')})`);
  peer.closing = true;
  peer.socket.end();
  process.exit(0);
}

main().catch((e) => fail(e.stack || String(e)));
