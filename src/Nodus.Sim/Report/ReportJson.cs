using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Nodus.Sim.Metrics;
using Nodus.Sim.Scenarios;

namespace Nodus.Sim.Report;

/// <summary>
/// report.json: parameters, seed and every metric, in a fixed field order with invariant number formatting and no
/// wall-clock value, so the same seed gives the same bytes.
/// </summary>
public static class ReportJson
{
    public const int FormatVersion = 1;

    public static byte[] Serialize(SimReport report)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("format", "nodus-sim-report");
            json.WriteNumber("version", FormatVersion);
            WriteScenario(json, report);
            json.WriteStartArray("cases");
            foreach (var c in report.Cases) WriteCase(json, c);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }

    public static string ToText(SimReport report) => Encoding.UTF8.GetString(Serialize(report));

    private static void WriteScenario(Utf8JsonWriter json, SimReport report)
    {
        var s = report.Scenario;
        json.WriteStartObject("scenario");
        json.WriteString("name", s.Name);
        json.WriteString("description", s.Description);
        json.WriteNumber("seed", s.Seed);
        json.WriteNumber("nodes", report.Topology.Nodes);
        json.WriteNumber("durationSeconds", s.DurationSeconds);
        json.WriteNumber("startSpreadSeconds", s.StartSpreadSeconds);
        if (!s.KeepAlive) json.WriteBoolean("keepAlive", false); // written only when off: default reports stay as they were
        json.WriteStartObject("network");
        if (report.Cases.Count > 0) report.Cases[0].Network.Describe(json);
        json.WriteEndObject();
        json.WriteStartObject("topology");
        json.WriteString("kind", s.Topology.Kind);
        json.WriteString("name", report.Topology.Name);
        json.WriteNumber("edges", report.Topology.EdgeCount);
        WriteStats(json, "degree", new Stats(report.Topology.Degrees().Select(d => (double)d)));
        WriteStats(json, "outDegree", new Stats(report.Topology.OutDegrees().Select(d => (double)d)));
        if (s.Topology.Kind == "discovery")
        {
            json.WriteNumber("bootnodes", s.Topology.Bootnodes);
            json.WriteNumber("bootnodeMaxConnections", s.Topology.BootnodeMaxConnections);
            if (s.Topology.DnsSeeds > 0) json.WriteNumber("dnsSeeds", s.Topology.DnsSeeds); // only when set: other reports stay as they were
            json.WriteString("addressBook", s.Topology.AddressBook);
            json.WriteNumber("sampleSeconds", s.Topology.SampleSeconds);
        }
        json.WriteEndObject();
        json.WriteStartObject("workload");
        json.WriteString("kind", s.Workload.Kind);
        if (s.Workload.Kind == "broadcast")
        {
            json.WriteString("relay", s.Workload.Relay);
            json.WriteNumber("transactions", s.Workload.Transactions);
            if (s.Workload.FirstAtSeconds is { } f) json.WriteNumber("firstAtSeconds", f);
            json.WriteNumber("intervalSeconds", s.Workload.IntervalSeconds);
        }
        if (s.Workload.Blocks > 0)
        {
            var w = s.Workload;
            json.WriteNumber("blocks", w.Blocks);
            json.WriteNumber("blockIntervalSeconds", w.BlockIntervalSeconds);
            if (w.FirstBlockAtSeconds is { } fb) json.WriteNumber("firstBlockAtSeconds", fb);
            json.WriteNumber("blockMaxBytes", w.BlockMaxBytes);
            json.WriteString("blockFill", w.BlockFill);
            if (w.BlockFill == "direct") json.WriteNumber("txPerSecond", w.TxPerSecond);
            if (w.BlockFill == "direct") json.WriteNumber("knownShare", w.KnownShare);
            if (w.BlockValidationMs > 0) json.WriteNumber("blockValidationMs", w.BlockValidationMs);
            if (w.BlockValidationSpread > 0) json.WriteNumber("blockValidationSpread", w.BlockValidationSpread);
            json.WriteString("hashPower", w.HashPower);
            json.WriteNumber("miners", w.Miners);
        }
        json.WriteEndObject();
        json.WriteStartArray("partitions");
        if (report.Cases.Count > 0)
            foreach (var p in s.Partitions) JsonSerializer.Serialize(json, p);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteCase(Utf8JsonWriter json, CaseResult c)
    {
        json.WriteStartObject();
        json.WriteString("label", c.Label);
        if (c.Relay is null) json.WriteNull("relay");
        else json.WriteString("relay", c.Relay);
        json.WriteNumber("honestNodes", c.HonestNodes);
        json.WriteNumber("removeFraction", c.Spec.RemoveFraction);
        json.WriteString("removeOrder", c.Spec.RemoveOrder);
        json.WriteNumber("removed", c.Removed);
        json.WriteNumber("spyFraction", c.Spec.SpyFraction);
        json.WriteBoolean("eavesdropper", c.Spec.Eavesdropper);
        if (c.Spec.EavesdropperOutbound) json.WriteBoolean("eavesdropperOutbound", true);
        if (c.Spec.OutboundIntervalSeconds is { } outbound) json.WriteNumber("outboundIntervalSeconds", outbound);
        if (c.Spec.InboundIntervalSeconds is { } inbound) json.WriteNumber("inboundIntervalSeconds", inbound);
        if (c.Spec.SharedInboundTimer is { } shared) json.WriteBoolean("sharedInboundTimer", shared);
        if (c.Spec.InboundRequestDelaySeconds is { } delay) json.WriteNumber("inboundRequestDelaySeconds", delay);
        if (c.CompactBlocks is { } compact) json.WriteBoolean("compactBlocks", compact);
        json.WriteNumber("events", c.EventsProcessed);
        json.WriteNumber("virtualSeconds", Round(c.VirtualSeconds));
        json.WriteNumber("messagesDropped", c.MessagesDropped);
        json.WriteNumber("openConnections", c.OpenConnections);
        WriteTraffic(json, c.Traffic);
        json.WriteStartObject("handshakes");
        WriteStats(json, "durationMs", c.HandshakeDurationMs);
        WritePropagation(json, "nodesFullyConnected", c.Handshakes);
        json.WriteEndObject();
        if (c.Broadcast is { } b) WriteBroadcast(json, b, c.HonestNodes);
        if (c.Blocks is { } blocks) WriteBlocks(json, blocks);
        if (c.Discovery is { } discovery) DiscoveryReport.Write(json, discovery);
        if (c.Byzantine is { } byzantine) WriteByzantine(json, byzantine);
        if (c.Eclipse is { } eclipse) WriteEclipse(json, eclipse);
        json.WriteEndObject();
    }

    private static void WriteBlocks(Utf8JsonWriter json, Workloads.BlockResult b)
    {
        var rows = b.Blocks;
        json.WriteStartObject("blocks");
        json.WriteNumber("mined", rows.Count);
        json.WriteNumber("stale", b.Stale);
        json.WriteNumber("mainChainHeight", b.MainChainHeight);
        json.WriteNumber("distinctFinalTips", b.DistinctFinalTips);
        json.WriteNumber("nodesOnMainTip", b.NodesOnMainTip);
        json.WriteNumber("reorganisedBlocks", b.Reorganisations);
        WriteStats(json, "bytes", new Stats(rows.Select(r => (double)r.Bytes)));
        WriteStats(json, "transactions", new Stats(rows.Select(r => (double)r.Transactions)));
        WriteStats(json, "coverage", new Stats(rows.Select(r => r.Propagation.Coverage)));
        WriteStats(json, "time50Ms", new Stats(rows.Where(r => r.Propagation.Time50Ms.HasValue).Select(r => r.Propagation.Time50Ms!.Value)));
        WriteStats(json, "time90Ms", new Stats(rows.Where(r => r.Propagation.Time90Ms.HasValue).Select(r => r.Propagation.Time90Ms!.Value)));
        WriteStats(json, "time100Ms", new Stats(rows.Where(r => r.Propagation.Time100Ms.HasValue).Select(r => r.Propagation.Time100Ms!.Value)));
        WriteStats(json, "delayMs", b.PooledDelayMs);
        WriteFairness(json, b.Fairness);
        json.WriteStartArray("tipConvergence");
        foreach (var t in b.TipConvergence)
        {
            json.WriteStartObject();
            json.WriteString("partition", t.Partition);
            json.WriteNumber("healedAtSeconds", Round(Nodus.Core.Time.ToSeconds(t.HealAt - ScenarioRunner.Epoch)));
            WriteNullable(json, "secondsToOneTip", t.OneTipAt is { } at ? Nodus.Core.Time.ToSeconds(at - t.HealAt) : null);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        if (b.Rejoins is { } rejoins)
        {
            json.WriteStartObject("rejoins");
            json.WriteNumber("withChain", rejoins.WithChain);
            json.WriteNumber("fromGenesis", rejoins.FromGenesis);
            WriteStats(json, "blocksBehind", rejoins.BlocksBehind);
            json.WriteNumber("caughtUp", rejoins.CaughtUp);
            json.WriteNumber("leftBehind", rejoins.LeftBehind);
            json.WriteNumber("behindAtEnd", rejoins.BehindAtEnd);
            WriteStats(json, "catchUpMs", rejoins.CatchUpMs);
            json.WriteEndObject();
        }
        if (rows.Count > 0) WritePropagation(json, "firstBlock", rows[0].Propagation);
        json.WriteStartArray("perBlock");
        foreach (var r in rows.Take(MaxListedTransactions))
        {
            json.WriteStartArray();
            json.WriteStringValue(r.Hash);
            json.WriteNumberValue(r.Miner);
            json.WriteNumberValue(r.Height);
            json.WriteNumberValue(r.Bytes);
            json.WriteNumberValue(r.Transactions);
            json.WriteBooleanValue(r.OnMainChain);
            json.WriteNumberValue(Round(r.Propagation.Coverage));
            WriteNullableValue(json, r.Propagation.Time50Ms);
            WriteNullableValue(json, r.Propagation.Time90Ms);
            WriteNullableValue(json, r.Propagation.Time100Ms);
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteString("perBlockColumns", "hash, miner, height, bytes, transactions, onMainChain, coverage, time50Ms, time90Ms, time100Ms");
        json.WriteEndObject();
    }

    private static void WriteEclipse(Utf8JsonWriter json, Adversaries.EclipseResult e)
    {
        json.WriteStartObject("eclipse");
        json.WriteNumber("attackerNodes", e.AttackerNodes);
        json.WriteBoolean("countermeasures", e.Countermeasures);
        json.WriteNumber("victims", e.Victims);
        json.WriteNumber("connectionsPerVictim", e.ConnectionsPerVictim);
        json.WriteNumber("eclipsed", e.Eclipsed);
        json.WriteNumber("eclipsedShare", Round(e.Victims == 0 ? 0 : e.Eclipsed / (double)e.Victims));
        json.WriteNumber("atLeastHalf", e.AtLeastHalf);
        json.WriteNumber("atLeastHalfShare", Round(e.Victims == 0 ? 0 : e.AtLeastHalf / (double)e.Victims));
        WriteStats(json, "fullRelayShareToAttacker", e.FullRelayToAttacker);
        WriteStats(json, "fullRelayOutbound", e.FullRelayOutbound);
        json.WriteNumber("blockRelayToAttacker", e.BlockRelayToAttacker);
        json.WriteNumber("blockRelay", e.BlockRelay);
        WriteStats(json, "attackerNewShareBeforeRestart", e.NewShareBeforeRestart);
        WriteStats(json, "attackerTriedShareBeforeRestart", e.TriedShareBeforeRestart);
        if (e.Inbound is { } inbound)
        {
            WriteStats(json, "inbound", inbound.Inbound);
            WriteStats(json, "inboundShareToAttacker", inbound.ToAttacker);
            json.WriteNumber("fullyEclipsed", inbound.FullyEclipsed);
            json.WriteNumber("fullyEclipsedShare", Round(e.Victims == 0 ? 0 : inbound.FullyEclipsed / (double)e.Victims));
        }
        json.WriteEndObject();
    }

    private static void WriteByzantine(Utf8JsonWriter json, Adversaries.ByzantineResult b)
    {
        json.WriteStartObject("byzantine");
        json.WriteString("behaviour", b.Behaviour);
        json.WriteNumber("fraction", b.Fraction);
        json.WriteNumber("delaySeconds", b.DelaySeconds);
        if (b.Collude) json.WriteBoolean("collude", true);
        json.WriteNumber("nodes", b.Nodes);
        json.WriteNumber("honestByzantineConnections", b.HonestByzantineConnections);
        json.WriteNumber("closedByHonest", b.ClosedByHonest);
        WriteStats(json, "closeSecondsAfterFirstTx", b.CloseSeconds);
        json.WriteStartObject("closeReasons");
        foreach (var (code, count) in b.CloseReasons) json.WriteNumber(code, count);
        json.WriteEndObject();
        json.WriteNumber("honestConnectionsClosed", b.HonestConnectionsClosed);
        json.WriteNumber("messagesWithheld", b.Withheld);
        json.WriteNumber("messagesHeld", b.Held);
        json.WriteNumber("messagesCorrupted", b.Corrupted);
        if (b.Behaviour == "poison") json.WriteNumber("addressesPoisoned", b.Poisoned);
        if (b.Behaviour == "spam") json.WriteNumber("fakeAnnouncements", b.Spammed);
        if (b.UnreachableShare is var (book, tried))
        {
            WriteStats(json, "unreachableShareOfBook", book);
            WriteStats(json, "unreachableShareOfTried", tried);
        }
        json.WriteEndObject();
    }

    /// <summary>Per-transaction rows are listed up to this many transactions; aggregates always.</summary>
    public const int MaxListedTransactions = 1_000;

    private static void WriteBroadcast(Utf8JsonWriter json, BroadcastResult b, int nodes)
    {
        var txs = b.Transactions;
        json.WriteStartObject("broadcast");
        json.WriteNumber("transactions", txs.Count);
        WriteStats(json, "coverage", new Stats(txs.Select(t => t.Coverage)));
        WriteStats(json, "time50Ms", new Stats(txs.Where(t => t.Time50Ms.HasValue).Select(t => t.Time50Ms!.Value)));
        WriteStats(json, "time90Ms", new Stats(txs.Where(t => t.Time90Ms.HasValue).Select(t => t.Time90Ms!.Value)));
        WriteStats(json, "time100Ms", new Stats(txs.Where(t => t.Time100Ms.HasValue).Select(t => t.Time100Ms!.Value)));
        WriteStats(json, "delayMs", b.PooledDelayMs);
        WriteFairness(json, b.Fairness);
        json.WriteStartObject("duplicates");
        json.WriteNumber("txPayloadDeliveries", b.TxPayloadDeliveries);
        json.WriteNumber("firstArrivals", b.FirstArrivals);
        json.WriteNumber("duplicateShare", Round(b.DuplicateShare));
        json.WriteNumber("invEntriesDelivered", b.InvEntriesDelivered);
        json.WriteNumber("invEntriesPerNodePerTransaction", Round(txs.Count == 0 ? 0 : b.InvEntriesDelivered / (double)nodes / txs.Count));
        json.WriteEndObject();
        json.WriteStartObject("anonymity");
        json.WriteNumber("spyFraction", b.SpyFraction);
        WriteEstimator(json, "firstSpy", b.FirstSpy, b.FirstSpySamples);
        WriteEstimator(json, "firstTimestamp", b.FirstTimestamp, b.FirstTimestampSamples);
        json.WriteEndObject();
        if (txs.Count > 0) WritePropagation(json, "firstTransaction", txs[0]);
        json.WriteStartArray("perTransaction");
        foreach (var t in txs.Take(MaxListedTransactions))
        {
            json.WriteStartArray();
            json.WriteNumberValue(t.Source);
            json.WriteNumberValue(Round(t.Coverage));
            WriteNullableValue(json, t.Time50Ms);
            WriteNullableValue(json, t.Time90Ms);
            WriteNullableValue(json, t.Time100Ms);
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteString("perTransactionColumns", "source, coverage, time50Ms, time90Ms, time100Ms");
        json.WriteEndObject();
    }

    private static void WriteEstimator(Utf8JsonWriter json, string name, (double Precision, double Recall)? score, int samples)
    {
        if (score is not { } s)
        {
            json.WriteNull(name);
            return;
        }
        json.WriteStartObject(name);
        json.WriteNumber("precision", Round(s.Precision));
        json.WriteNumber("recall", Round(s.Recall));
        json.WriteNumber("transactions", samples);
        json.WriteEndObject();
    }

    private static void WriteNullableValue(Utf8JsonWriter json, double? value)
    {
        if (value is { } v) json.WriteNumberValue(Round(v));
        else json.WriteNullValue();
    }

    private static void WriteFairness(Utf8JsonWriter json, IReadOnlyList<FairnessClass> classes)
    {
        json.WriteStartArray("fairness");
        foreach (var f in classes)
        {
            json.WriteStartObject();
            json.WriteString("class", f.Name);
            json.WriteNumber("samples", f.DelayMs.Count);
            json.WriteNumber("meanMs", Round(f.DelayMs.Mean));
            json.WriteNumber("stdDevMs", Round(f.DelayMs.StdDev));
            json.WriteNumber("p10Ms", Round(f.DelayMs.Percentile(10)));
            json.WriteNumber("p90Ms", Round(f.DelayMs.Percentile(90)));
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteTraffic(Utf8JsonWriter json, TrafficStats t)
    {
        json.WriteStartObject("traffic");
        json.WriteNumber("messages", t.TotalMessages);
        json.WriteNumber("bytes", t.TotalBytes);
        json.WriteStartObject("perCommand");
        foreach (var (command, totals) in t.PerCommand)
        {
            json.WriteStartObject(command);
            json.WriteNumber("messages", totals.Messages);
            json.WriteNumber("bytes", totals.Bytes);
            json.WriteNumber("bytesPerNode", Round(totals.Bytes / (double)t.Nodes));
            json.WriteEndObject();
        }
        json.WriteEndObject();
        WriteStats(json, "bytesSentPerNode", new Stats(t.BytesSent.Select(b => (double)b)));
        WriteStats(json, "bytesReceivedPerNode", new Stats(t.BytesReceived.Select(b => (double)b)));
        json.WriteEndObject();
    }

    public static void WritePropagation(Utf8JsonWriter json, string name, PropagationSummary p)
    {
        json.WriteStartObject(name);
        json.WriteString("key", p.Key);
        json.WriteNumber("source", p.Source);
        json.WriteNumber("liveNodes", p.LiveNodes);
        json.WriteNumber("reached", p.Reached);
        json.WriteNumber("coverage", Round(p.Coverage));
        WriteNullable(json, "time50Ms", p.Time50Ms);
        WriteNullable(json, "time90Ms", p.Time90Ms);
        WriteNullable(json, "time100Ms", p.Time100Ms);
        WriteStats(json, "delayMs", p.DelayMs);
        WriteFairness(json, p.Fairness);
        json.WriteStartArray("coverageCurve");
        foreach (var (ms, fraction) in p.Curve)
        {
            json.WriteStartArray();
            json.WriteNumberValue(Round(ms));
            json.WriteNumberValue(Round(fraction));
            json.WriteEndArray();
        }
        json.WriteEndArray();
        var (start, width, counts) = p.DelayMs.Histogram(PropagationSummary.HistogramBins);
        json.WriteStartObject("histogram");
        json.WriteNumber("startMs", Round(start));
        json.WriteNumber("binMs", Round(width));
        json.WriteStartArray("counts");
        foreach (int c in counts) json.WriteNumberValue(c);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    public static void WriteStats(Utf8JsonWriter json, string name, Stats s)
    {
        json.WriteStartObject(name);
        json.WriteNumber("count", s.Count);
        if (s.Count > 0)
        {
            json.WriteNumber("min", Round(s.Min));
            json.WriteNumber("mean", Round(s.Mean));
            json.WriteNumber("stdDev", Round(s.StdDev));
            json.WriteNumber("p10", Round(s.Percentile(10)));
            json.WriteNumber("median", Round(s.Percentile(50)));
            json.WriteNumber("p90", Round(s.Percentile(90)));
            json.WriteNumber("max", Round(s.Max));
        }
        json.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v) json.WriteNumber(name, Round(v));
        else json.WriteNull(name);
    }

    /// <summary>Three decimals: microsecond resolution for milliseconds, and short, stable text.</summary>
    public static double Round(double v) => double.IsFinite(v) ? Math.Round(v, 3, MidpointRounding.ToEven) : 0;
}
