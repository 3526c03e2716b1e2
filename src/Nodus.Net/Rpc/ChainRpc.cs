using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using Nodus.Core;
using Nodus.Core.Chain;
using Nodus.Core.Mempool;
using Nodus.Net.Runtime;
using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Net.Rpc;

/// <summary>
/// bitcoind's "blockchain", "mining" and "rawtransactions" methods over the node's chain and mempool, with
/// bitcoin-cli's result shapes: getblockchaininfo, getblockcount, getbestblockhash, getblockhash, getblockheader,
/// getblock, getchaintips, generate, sendrawtransaction, getrawmempool, getrawtransaction, getmempoolinfo.
/// </summary>
public static class ChainRpc
{
    /// <summary>Bitcoin's difficulty 1 target (bits 0x1d00ffff), the unit of the "difficulty" field.</summary>
    private static readonly BigInteger DifficultyOneTarget = ProofOfWork.DecodeCompact(0x1d00ffff);

    public static void Register(RpcMethods methods, NodeHost host, FullNode full)
    {
        var chain = full.Chain;
        methods.Register("getblockchaininfo", [], _ => host.InvokeAsync((_, now) => (JsonNode?)BlockchainInfo(full, now)),
            "Returns the state of the block chain: height, best hash, headers, work, initial block download.");
        methods.Register("getblockcount", [], _ => host.InvokeAsync((_, _) => (JsonNode?)chain.Height),
            "Returns the height of the most-work fully validated chain.");
        methods.Register("getbestblockhash", [], _ => host.InvokeAsync((_, _) => (JsonNode?)chain.Tip.Hash.ToString()),
            "Returns the hash of the best (tip) block.");
        methods.Register("getblockhash", ["height"], p =>
        {
            long height = p.GetOptionalInt64(0, "height") ?? throw new RpcException(RpcErrorCode.InvalidParams, "getblockhash: missing parameter 'height'");
            return host.InvokeAsync((_, _) => chain.Index.GetActive((int)Math.Clamp(height, -1, int.MaxValue)) is { } e
                ? (JsonNode?)e.Hash.ToString()
                : throw new RpcException(RpcErrorCode.InvalidParameter, "Block height out of range"));
        }, "Returns the hash of the block at a height of the active chain.");
        methods.Register("getblockheader", ["blockhash", "verbose"], p =>
        {
            var hash = ParseHash(p.GetString(0, "blockhash"), "blockhash");
            bool verbose = p.GetOptionalBool(1, "verbose") ?? true;
            return host.InvokeAsync((_, _) =>
            {
                var entry = chain.Get(hash) ?? throw new RpcException(RpcErrorCode.InvalidAddressOrKey, "Block not found");
                if (!verbose) return (JsonNode?)Convert.ToHexStringLower(Nodus.Wire.Encoding.Wire.Encode(entry.Header));
                return HeaderJson(chain, entry);
            });
        }, "Returns a block header as JSON (verbose, default) or hex.");
        methods.Register("getblock", ["blockhash", "verbosity"], p =>
        {
            var hash = ParseHash(p.GetString(0, "blockhash"), "blockhash");
            long verbosity = p.Get(1) is { ValueKind: System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False } b
                ? (b.GetBoolean() ? 1 : 0) : p.GetOptionalInt64(1, "verbosity") ?? 1;
            return host.InvokeAsync((_, _) =>
            {
                var entry = chain.Get(hash) ?? throw new RpcException(RpcErrorCode.InvalidAddressOrKey, "Block not found");
                var block = chain.GetBlock(hash) ?? throw new RpcException(RpcErrorCode.MiscError, "Block not available (only its header is known)");
                if (verbosity <= 0) return (JsonNode?)Convert.ToHexStringLower(block.Serialize());
                return BlockJson(chain, entry, block, verbosity >= 2);
            });
        }, "Returns a block: hex (verbosity 0), JSON with txids (1, default) or with transactions (2).");
        methods.Register("getchaintips", [], _ => host.InvokeAsync((_, _) => (JsonNode?)ChainTips(chain)),
            "Returns every known tip of the block tree: the active chain and the forks.");
        methods.Register("generate", ["nblocks"], p =>
        {
            long count = p.GetOptionalInt64(0, "nblocks") ?? 1;
            if (count < 0 || count > Nodus.Core.Mining.BlockProducer.MaxGenerate)
                throw new RpcException(RpcErrorCode.InvalidParameter, $"generate: nblocks must be 0 to {Nodus.Core.Mining.BlockProducer.MaxGenerate}");
            return host.InvokeAsync((_, now) =>
                (JsonNode?)new JsonArray([.. full.Producer.Generate((int)count, now).Select(h => (JsonNode?)h.ToString())]));
        }, "Mines blocks on the tip at once (proof of work at the network's difficulty) and returns their hashes.");
        methods.Register("sendrawtransaction", ["hexstring"], p =>
        {
            var tx = DecodeTransaction(p.GetString(0, "hexstring"));
            return host.InvokeAsync((_, now) =>
            {
                var result = full.Relay.SubmitTransaction(tx, now);
                if (result.IsAccepted) return (JsonNode?)tx.GetHash().ToString();
                int code = result.Status == MempoolAcceptStatus.AlreadyKnown ? RpcErrorCode.VerifyAlreadyInChain : RpcErrorCode.VerifyRejected;
                throw new RpcException(code, string.IsNullOrEmpty(result.Reason) ? result.Status.ToString() : result.Reason);
            });
        }, "Checks a raw transaction, adds it to the mempool and relays it; returns its txid.");
        methods.Register("getrawmempool", ["verbose"], p =>
        {
            bool verbose = p.GetOptionalBool(0, "verbose") ?? false;
            return host.InvokeAsync((_, _) =>
            {
                if (!verbose) return (JsonNode?)new JsonArray([.. full.Mempool.Txids.Select(h => (JsonNode?)h.ToString())]);
                var result = new JsonObject();
                foreach (var e in full.Mempool.Entries)
                    result[e.Txid.ToString()] = new JsonObject
                    {
                        ["vsize"] = e.Size,
                        ["time"] = Time.ToUnixSeconds(e.Time),
                        ["wtxid"] = e.Transaction.GetWitnessHash().ToString(),
                    };
                return result;
            });
        }, "Returns the txids in the mempool (or details with verbose=true).");
        methods.Register("getmempoolinfo", [], _ => host.InvokeAsync((_, _) => (JsonNode?)new JsonObject
        {
            ["loaded"] = true,
            ["size"] = full.Mempool.Count,
            ["bytes"] = full.Mempool.Bytes,
            ["maxmempool"] = full.Mempool.MaxBytes,
        }), "Returns the mempool's size.");
        methods.Register("getrawtransaction", ["txid", "verbose", "blockhash"], p =>
        {
            var txid = ParseHash(p.GetString(0, "txid"), "txid");
            bool verbose = p.Get(1) is { } v && (v.ValueKind == System.Text.Json.JsonValueKind.True || (v.ValueKind == System.Text.Json.JsonValueKind.Number && v.GetInt64() != 0));
            Hash256? blockHash = p.GetOptionalString(2, "blockhash") is { } bh ? ParseHash(bh, "blockhash") : null;
            return host.InvokeAsync((_, _) =>
            {
                Transaction? tx;
                ChainEntry? inBlock = null;
                if (blockHash is { } hash)
                {
                    inBlock = chain.Get(hash) ?? throw new RpcException(RpcErrorCode.InvalidAddressOrKey, "Block hash not found");
                    tx = chain.GetBlock(hash)?.Transactions.Find(t => t.GetHash() == txid);
                    if (tx is null) throw new RpcException(RpcErrorCode.InvalidAddressOrKey, "No such transaction found in the provided block");
                }
                else
                {
                    tx = full.Relay.GetTransaction(txid, includeStem: true)
                         ?? throw new RpcException(RpcErrorCode.InvalidAddressOrKey,
                             "No such mempool transaction. Provide the block hash of a confirmed transaction (there is no transaction index)");
                }
                if (!verbose) return (JsonNode?)Convert.ToHexStringLower(tx.Serialize());
                var json = TransactionJson(tx);
                if (inBlock is not null)
                {
                    json["blockhash"] = inBlock.Hash.ToString();
                    json["confirmations"] = chain.Index.IsActive(inBlock) ? chain.Height - inBlock.Height + 1 : 0;
                    json["blocktime"] = inBlock.Time;
                }
                return json;
            });
        }, "Returns a transaction from the mempool, or from the given block: hex, or JSON with verbose=true.");
    }

    public static JsonObject BlockchainInfo(FullNode full, long now)
    {
        var chain = full.Chain;
        var tip = chain.Tip;
        var best = chain.BestHeader;
        return new JsonObject
        {
            ["chain"] = chain.Network.Name,
            ["blocks"] = tip.Height,
            ["headers"] = best.Height,
            ["bestblockhash"] = tip.Hash.ToString(),
            ["bits"] = tip.Header.Bits.ToString("x8", CultureInfo.InvariantCulture),
            ["difficulty"] = Difficulty(tip.Header.Bits),
            ["time"] = tip.Time,
            ["mediantime"] = tip.GetMedianTimePast(),
            // Share of the known header chain that is validated; Core estimates by transactions, we by blocks.
            ["verificationprogress"] = best.Height == 0 ? 1.0 : Math.Round((double)tip.Height / best.Height, 6),
            ["initialblockdownload"] = full.Sync.IsInitialBlockDownload(now),
            ["chainwork"] = ChainWorkHex(tip.ChainWork),
            ["pruned"] = false,
            ["warnings"] = new JsonArray(),
        };
    }

    public static JsonObject HeaderJson(ChainState chain, ChainEntry entry)
    {
        var next = chain.Index.IsActive(entry) ? chain.Index.GetActive(entry.Height + 1) : null;
        var json = new JsonObject
        {
            ["hash"] = entry.Hash.ToString(),
            ["confirmations"] = chain.Index.IsActive(entry) ? chain.Height - entry.Height + 1 : -1,
            ["height"] = entry.Height,
            ["version"] = entry.Header.Version,
            ["versionHex"] = entry.Header.Version.ToString("x8", CultureInfo.InvariantCulture),
            ["merkleroot"] = entry.Header.MerkleRoot.ToString(),
            ["time"] = entry.Time,
            ["mediantime"] = entry.GetMedianTimePast(),
            ["nonce"] = entry.Header.Nonce,
            ["bits"] = entry.Header.Bits.ToString("x8", CultureInfo.InvariantCulture),
            ["difficulty"] = Difficulty(entry.Header.Bits),
            ["chainwork"] = ChainWorkHex(entry.ChainWork),
        };
        if (entry.Parent is { } parent) json["previousblockhash"] = parent.Hash.ToString();
        if (next is not null) json["nextblockhash"] = next.Hash.ToString();
        return json;
    }

    public static JsonObject BlockJson(ChainState chain, ChainEntry entry, Block block, bool withTransactions)
    {
        var json = HeaderJson(chain, entry);
        int size = block.Serialize().Length;
        int stripped = BlockHeader.EncodedSize + WireStream.CompactSizeLength((ulong)block.Transactions.Count)
                       + block.Transactions.Sum(t => t.GetSerializedSize(withWitness: false));
        json["size"] = size;
        json["strippedsize"] = stripped;
        json["weight"] = stripped * (ConsensusLimits.WitnessScaleFactor - 1) + size;
        json["nTx"] = block.Transactions.Count;
        json["tx"] = new JsonArray([.. block.Transactions.Select(t => withTransactions ? (JsonNode)TransactionJson(t) : t.GetHash().ToString())]);
        return json;
    }

    public static JsonObject TransactionJson(Transaction tx)
    {
        int size = tx.GetSerializedSize(withWitness: true);
        int stripped = tx.GetSerializedSize(withWitness: false);
        int weight = stripped * (ConsensusLimits.WitnessScaleFactor - 1) + size;
        var vin = new JsonArray();
        foreach (var input in tx.Inputs)
        {
            var i = tx.IsCoinbase
                ? new JsonObject { ["coinbase"] = Convert.ToHexStringLower(input.ScriptSig) }
                : new JsonObject
                {
                    ["txid"] = input.PrevOut.Hash.ToString(),
                    ["vout"] = input.PrevOut.Index,
                    ["scriptSig"] = new JsonObject { ["hex"] = Convert.ToHexStringLower(input.ScriptSig) },
                };
            if (input.Witness is { Length: > 0 } w) i["txinwitness"] = new JsonArray([.. w.Select(item => (JsonNode?)Convert.ToHexStringLower(item))]);
            i["sequence"] = input.Sequence;
            vin.Add(i);
        }
        var vout = new JsonArray();
        for (int n = 0; n < tx.Outputs.Count; n++)
            vout.Add(new JsonObject
            {
                ["value"] = tx.Outputs[n].Value / (decimal)ConsensusLimits.Coin,
                ["n"] = n,
                ["scriptPubKey"] = new JsonObject { ["hex"] = Convert.ToHexStringLower(tx.Outputs[n].ScriptPubKey) },
            });
        return new JsonObject
        {
            ["txid"] = tx.GetHash().ToString(),
            ["hash"] = tx.GetWitnessHash().ToString(),
            ["version"] = tx.Version,
            ["size"] = size,
            ["vsize"] = (weight + ConsensusLimits.WitnessScaleFactor - 1) / ConsensusLimits.WitnessScaleFactor,
            ["weight"] = weight,
            ["locktime"] = tx.LockTime,
            ["vin"] = vin,
            ["vout"] = vout,
            ["hex"] = Convert.ToHexStringLower(tx.Serialize()),
        };
    }

    /// <summary>getchaintips: every block without a child, with its branch length and status, as bitcoind names them.</summary>
    public static JsonArray ChainTips(ChainState chain)
    {
        var entries = chain.Index.Entries.ToList();
        var hasChild = new HashSet<Hash256>(entries.Where(e => e.Parent is not null).Select(e => e.Parent!.Hash));
        var tips = entries.Where(e => !hasChild.Contains(e.Hash) || e == chain.Tip)
            .OrderByDescending(e => e.Height).ThenBy(e => e.Sequence);
        var result = new JsonArray();
        foreach (var tip in tips)
        {
            var fork = ChainIndex.FindFork(tip, chain.Tip);
            string status = tip == chain.Tip ? "active"
                : tip.IsInvalid ? "invalid"
                : tip.HasChainBodies ? "valid-fork"
                : tip.HasBody ? "valid-headers" : "headers-only";
            result.Add(new JsonObject
            {
                ["height"] = tip.Height,
                ["hash"] = tip.Hash.ToString(),
                ["branchlen"] = tip.Height - fork.Height,
                ["status"] = status,
            });
        }
        return result;
    }

    public static double Difficulty(uint bits)
    {
        var target = ProofOfWork.DecodeCompact(bits);
        return target.IsZero ? 0 : Math.Round((double)DifficultyOneTarget / (double)target, 8);
    }

    private static string ChainWorkHex(BigInteger work) => work.ToString("x64", CultureInfo.InvariantCulture)[^64..];

    private static Hash256 ParseHash(string text, string name) =>
        Hash256.TryParse(text, out var hash) ? hash
            : throw new RpcException(RpcErrorCode.InvalidParameter, $"{name} must be a 64-digit hex hash, not '{text}'");

    private static Transaction DecodeTransaction(string hex)
    {
        try
        {
            return Nodus.Wire.Encoding.Wire.Decode<Transaction>(Convert.FromHexString(hex));
        }
        catch (Exception e) when (e is FormatException or WireFormatException)
        {
            throw new RpcException(RpcErrorCode.DeserializationError, $"TX decode failed: {e.Message}");
        }
    }
}
