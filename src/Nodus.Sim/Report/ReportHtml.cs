using System.Globalization;
using System.Net;
using System.Text;
using Nodus.Sim.Metrics;
using Nodus.Sim.Scenarios;

namespace Nodus.Sim.Report;

/// <summary>report.html: one self-contained page for people — the parameters, then charts per case, then the tables.</summary>
public static class ReportHtml
{
    public static string Render(SimReport report)
    {
        var s = report.Scenario;
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Nodus simulation: ")
          .Append(E(s.Name)).Append("</title><style>")
          .Append("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}")
          .Append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}figure{display:inline-block;margin:0.5em}")
          .Append("figcaption{font-weight:bold;font-size:0.9em}pre{background:#f8f8f8;padding:1em;overflow:auto}")
          .Append("</style></head><body>");
        sb.Append("<h1>Nodus simulation: ").Append(E(s.Name)).Append("</h1><p>").Append(E(s.Description)).Append("</p>");
        sb.Append("<h2>Parameters</h2><pre>").Append(E(ParametersJson(report))).Append("</pre>");

        if (report.Cases.Any(c => c.Broadcast is not null)) AppendBroadcast(sb, report);
        if (report.Cases.Any(c => c.Blocks is not null)) AppendBlocks(sb, report);
        DiscoveryReport.AppendHtml(sb, report);
        if (report.Cases.Any(c => c.Byzantine is not null)) AppendByzantine(sb, report);
        if (report.Cases.Any(c => c.Eclipse is not null)) AppendEclipse(sb, report);

        var handshakeCurves = report.Cases.Take(MaxSeries).Select(c => new Svg.Series(c.Label,
            c.Handshakes.Curve.Select(p => (p.Ms / 1000, p.Fraction)).ToList())).ToList();
        sb.Append("<h2>Connections and traffic</h2>");
        sb.Append(Svg.LineChart("Nodes with every connection established, over time", "seconds after start", "fraction of live nodes", handshakeCurves, 1));
        foreach (var c in report.Cases.Take(MaxSeries))
        {
            var (start, width, counts) = c.HandshakeDurationMs.Histogram(PropagationSummary.HistogramBins);
            sb.Append(Svg.BarChart($"{c.Label}: handshake duration (outbound side)", "milliseconds", "connections", start, width, counts));
            var bytes = new Stats(c.Traffic.BytesSent.Take(c.HonestNodes).Select(b => (double)b));
            var (bs, bw, bc) = bytes.Histogram(PropagationSummary.HistogramBins);
            sb.Append(Svg.BarChart($"{c.Label}: bytes sent per node", "bytes", "nodes", bs, bw, bc));
        }

        sb.Append("<h2>Cases</h2><table><tr><th>case</th><th>events</th><th>virtual s</th><th>wall s</th><th>messages</th><th>bytes</th>")
          .Append("<th>dropped</th><th>50% fully connected (ms)</th><th>90%</th><th>100%</th><th>handshake median (ms)</th></tr>");
        foreach (var c in report.Cases)
        {
            sb.Append("<tr><th>").Append(E(c.Label)).Append("</th>")
              .Append(Td(c.EventsProcessed)).Append(Td(c.VirtualSeconds)).Append(Td(c.WallSeconds))
              .Append(Td(c.Traffic.TotalMessages)).Append(Td(c.Traffic.TotalBytes)).Append(Td(c.MessagesDropped))
              .Append(Td(c.Handshakes.Time50Ms)).Append(Td(c.Handshakes.Time90Ms)).Append(Td(c.Handshakes.Time100Ms))
              .Append(Td(c.HandshakeDurationMs.Percentile(50))).Append("</tr>");
        }
        sb.Append("</table>");
        foreach (var c in report.Cases)
        {
            sb.Append("<h3>").Append(E(c.Label)).Append(": traffic per command</h3><table><tr><th>command</th><th>messages</th><th>bytes</th><th>bytes per node</th></tr>");
            foreach (var (command, t) in c.Traffic.PerCommand)
                sb.Append("<tr><th>").Append(E(command)).Append("</th>").Append(Td(t.Messages)).Append(Td(t.Bytes))
                  .Append(Td(t.Bytes / (double)c.Traffic.Nodes)).Append("</tr>");
            sb.Append("</table>");
        }
        sb.Append("<p>Wall-clock times are for this run only and are not part of report.json, which is reproducible byte for byte from the seed.</p>");
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    /// <summary>Charts with one series or panel per case show at most this many cases (the tables show all).</summary>
    private const int MaxSeries = 8;

    private static void AppendBlocks(StringBuilder sb, SimReport report)
    {
        var cases = report.Cases.Where(c => c.Blocks is not null).ToList();
        sb.Append("<h2>Blocks</h2><table><tr><th>case</th><th>mined</th><th>stale</th><th>final tips</th><th>median size (bytes)</th>")
          .Append("<th>50% (ms, median over blocks)</th><th>90%</th><th>100%</th><th>delay median / p90 (ms)</th><th>one tip after healing (s)</th></tr>");
        foreach (var c in cases)
        {
            var b = c.Blocks!;
            double Median(Func<PropagationSummary, double?> f) =>
                new Stats(b.Blocks.Where(r => f(r.Propagation).HasValue).Select(r => f(r.Propagation)!.Value)).Percentile(50);
            sb.Append("<tr><th>").Append(E(c.Label)).Append("</th>").Append(Td((long)b.Blocks.Count)).Append(Td((long)b.Stale))
              .Append(Td((long)b.DistinctFinalTips)).Append(Td(new Stats(b.Blocks.Select(r => (double)r.Bytes)).Percentile(50)))
              .Append(Td(Median(p => p.Time50Ms))).Append(Td(Median(p => p.Time90Ms))).Append(Td(Median(p => p.Time100Ms)))
              .Append("<td>").Append(F(b.PooledDelayMs.Percentile(50))).Append(" / ").Append(F(b.PooledDelayMs.Percentile(90))).Append("</td><td>")
              .Append(E(string.Join(", ", b.TipConvergence.Select(t => t.OneTipAt is { } at ? F(Nodus.Core.Time.ToSeconds(at - t.HealAt)) : "never"))))
              .Append("</td></tr>");
        }
        sb.Append("</table>");
        foreach (var c in cases)
            if (c.Blocks!.Rejoins is { } r)
                sb.Append("<p>").Append(E(c.Label)).Append(": under churn, ").Append(r.WithChain).Append(" nodes rejoined with their chain and ")
                  .Append(r.FromGenesis).Append(" from genesis after the first block; ").Append(r.BlocksBehind.Count)
                  .Append(" started behind the newest block (median ").Append(F(r.BlocksBehind.Percentile(50))).Append(" blocks), ")
                  .Append(r.CaughtUp).Append(" caught up (median ").Append(F(r.CatchUpMs.Percentile(50))).Append(" ms, p90 ")
                  .Append(F(r.CatchUpMs.Percentile(90))).Append(" ms), ").Append(r.LeftBehind).Append(" left again first, ").Append(r.BehindAtEnd).Append(" were still syncing at the end.</p>");
        var curves = cases.Take(MaxSeries).Select(c => new Svg.Series(c.Label,
            c.Blocks!.Blocks.Count == 0 ? [] : c.Blocks.Blocks[0].Propagation.Curve.Select(p => (p.Ms / 1000, p.Fraction)).ToList())).ToList();
        sb.Append(Svg.LineChart("Coverage over time (first block)", "seconds after it was mined", "fraction of live nodes", curves, 1));
        foreach (var c in cases.Take(MaxSeries))
        {
            var (start, width, counts) = c.Blocks!.PooledDelayMs.Histogram(PropagationSummary.HistogramBins);
            sb.Append(Svg.BarChart($"{c.Label}: block arrival delay, all blocks", "milliseconds after mining", "arrivals", start, width, counts));
        }
    }

    private static void AppendBroadcast(StringBuilder sb, SimReport report)
    {
        var cases = report.Cases.Where(c => c.Broadcast is not null).ToList();
        sb.Append("<h2>Broadcast</h2><table><tr><th>case</th><th>relay</th><th>txs</th><th>coverage</th><th>50% (ms, median over txs)</th>")
          .Append("<th>90%</th><th>100%</th><th>delay p10–p90 (ms)</th><th>fairness: mean per-region std dev (ms)</th>")
          .Append("<th>duplicate tx bodies</th><th>inv entries / node / tx</th><th>bytes sent / node</th></tr>");
        foreach (var c in cases)
        {
            var b = c.Broadcast!;
            double Median(Func<PropagationSummary, double?> f) => new Stats(b.Transactions.Where(t => f(t).HasValue).Select(t => f(t)!.Value)).Percentile(50);
            sb.Append("<tr><th>").Append(E(c.Label)).Append("</th><td>").Append(E(c.Relay ?? "")).Append("</td>")
              .Append(Td((long)b.Transactions.Count)).Append(Td(new Stats(b.Transactions.Select(t => t.Coverage)).Mean))
              .Append(Td(Median(t => t.Time50Ms))).Append(Td(Median(t => t.Time90Ms))).Append(Td(Median(t => t.Time100Ms)))
              .Append("<td>").Append(F(b.PooledDelayMs.Percentile(10))).Append('–').Append(F(b.PooledDelayMs.Percentile(90))).Append("</td>")
              .Append(Td(b.Fairness.Count == 0 ? 0 : b.Fairness.Average(f => f.DelayMs.StdDev)))
              .Append(Td(b.DuplicateShare)).Append(Td(b.Transactions.Count == 0 ? 0 : b.InvEntriesDelivered / (double)c.HonestNodes / b.Transactions.Count))
              .Append(Td(c.Traffic.BytesSent.Take(c.HonestNodes).Average())).Append("</tr>");
        }
        sb.Append("</table>");

        var curves = cases.Take(MaxSeries).Select(c => new Svg.Series(c.Label,
            c.Broadcast!.Transactions.Count == 0 ? [] : c.Broadcast.Transactions[0].Curve.Select(p => (p.Ms / 1000, p.Fraction)).ToList())).ToList();
        sb.Append(Svg.LineChart("Coverage over time (first transaction)", "seconds after submission", "fraction of live nodes", curves, 1));
        foreach (var c in cases.Take(MaxSeries))
        {
            var (start, width, counts) = c.Broadcast!.PooledDelayMs.Histogram(PropagationSummary.HistogramBins);
            sb.Append(Svg.BarChart($"{c.Label}: arrival delay, all transactions", "milliseconds after submission", "arrivals", start, width, counts));
        }

        var spyCases = cases.Where(c => c.Spec.SpyFraction > 0 && c.Broadcast!.FirstSpy is not null).ToList();
        if (spyCases.Count > 0)
        {
            var byRelay = spyCases.GroupBy(c => c.Relay ?? "").ToList();
            sb.Append("<h2>Anonymity: first-spy estimator</h2>");
            sb.Append(Svg.LineChart("Precision against spy fraction p", "spy fraction p", "precision",
                byRelay.Select(g => new Svg.Series(g.Key, g.OrderBy(c => c.Spec.SpyFraction).Select(c => (c.Spec.SpyFraction, c.Broadcast!.FirstSpy!.Value.Precision)).ToList())).ToList(), 1));
            sb.Append(Svg.LineChart("Recall against spy fraction p (the line p is the lower bound for any protocol)", "spy fraction p", "recall",
                [.. byRelay.Select(g => new Svg.Series(g.Key, g.OrderBy(c => c.Spec.SpyFraction).Select(c => (c.Spec.SpyFraction, c.Broadcast!.FirstSpy!.Value.Recall)).ToList())),
                 new Svg.Series("p", spyCases.Select(c => c.Spec.SpyFraction).Distinct().Order().Select(p => (p, p)).ToList())], 1));
        }
        var eavesdropped = cases.Where(c => c.Broadcast!.FirstTimestamp is not null).ToList();
        if (eavesdropped.Count > 0)
        {
            sb.Append("<h2>Anonymity: eavesdropper (first-timestamp estimator)</h2><table><tr><th>case</th><th>relay</th><th>precision</th><th>recall</th><th>transactions</th></tr>");
            foreach (var c in eavesdropped)
            {
                var (precision, recall) = c.Broadcast!.FirstTimestamp!.Value;
                sb.Append("<tr><th>").Append(E(c.Label)).Append("</th><td>").Append(E(c.Relay ?? "")).Append("</td>")
                  .Append(Td(precision)).Append(Td(recall)).Append(Td((long)c.Broadcast.FirstTimestampSamples)).Append("</tr>");
            }
            sb.Append("</table>");
        }
        var removal = cases.Where(c => c.Spec.RemoveFraction > 0).ToList();
        if (removal.Count > 0)
        {
            var baseline = cases.FirstOrDefault(c => c.Spec.RemoveFraction == 0);
            sb.Append("<h2>Resilience</h2>");
            sb.Append(Svg.LineChart("Coverage of the surviving nodes against the share removed", "share of nodes removed", "mean coverage",
                removal.GroupBy(c => c.Spec.RemoveOrder).Select(g => new Svg.Series(g.Key == "degree" ? "highest degree first" : "at random",
                    (baseline is null ? [] : new[] { (0.0, MeanCoverage(baseline)) })
                    .Concat(g.OrderBy(c => c.Spec.RemoveFraction).Select(c => (c.Spec.RemoveFraction, MeanCoverage(c)))).ToList())).ToList(), 1));
        }
    }

    /// <summary>Coverage, latency and disconnections against the Byzantine fraction, one series per behaviour; cases
    /// without Byzantine nodes are every series' point at 0.</summary>
    private static void AppendByzantine(StringBuilder sb, SimReport report)
    {
        var attacked = report.Cases.Where(c => c.Byzantine is not null).ToList();
        var baseline = report.Cases.FirstOrDefault(c => c.Byzantine is null && c.Broadcast is not null);
        sb.Append("<h2>Byzantine nodes</h2><table><tr><th>case</th><th>behaviour</th><th>fraction</th><th>Byzantine nodes</th>")
          .Append("<th>honest coverage</th><th>50% (ms, median)</th><th>90%</th><th>100%</th><th>honest–Byzantine connections</th>")
          .Append("<th>closed by honest nodes</th><th>median close (s after 1st tx)</th><th>honest connections closed</th>")
          .Append("<th>withheld / held / corrupted messages</th></tr>");
        foreach (var c in attacked)
        {
            var z = c.Byzantine!;
            sb.Append("<tr><th>").Append(E(c.Label)).Append("</th><td>").Append(E(z.Behaviour + (z.Collude ? " (colluding)" : ""))).Append("</td>").Append(Td(z.Fraction))
              .Append(Td((long)z.Nodes)).Append(c.Broadcast is null ? "<td>—</td><td>—</td><td>—</td><td>—</td>"
                  : Td(MeanCoverage(c)) + Td(MedianTime(c, t => t.Time50Ms)) + Td(MedianTime(c, t => t.Time90Ms)) + Td(MedianTime(c, t => t.Time100Ms)))
              .Append(Td((long)z.HonestByzantineConnections)).Append(Td((long)z.ClosedByHonest))
              .Append(z.CloseSeconds.Count == 0 ? "<td>—</td>" : Td(z.CloseSeconds.Percentile(50))).Append(Td((long)z.HonestConnectionsClosed))
              .Append("<td>").Append(z.Withheld).Append(" / ").Append(z.Held).Append(" / ").Append(z.Corrupted).Append("</td></tr>");
        }
        sb.Append("</table>");
        foreach (var c in attacked)
            if (c.Byzantine!.UnreachableShare is var (book, tried))
                sb.Append("<p>").Append(E(c.Label)).Append(": ").Append(c.Byzantine.Poisoned).Append(" addresses of nobody sent; of a live honest node's address book ")
                  .Append(F(Math.Round(100 * book.Percentile(50), 1))).Append("% unreachable (median; max ").Append(F(Math.Round(100 * book.Max, 1)))
                  .Append("%), of its tried table ").Append(F(Math.Round(100 * tried.Max, 1))).Append("% at most.</p>");
        var broadcast = attacked.Where(c => c.Broadcast is not null).GroupBy(c => c.Byzantine!.Behaviour + (c.Byzantine.Collude ? " colluding" : "")).ToList();
        if (broadcast.Count == 0) return;
        List<Svg.Series> Series(Func<CaseResult, double?> metric) => [.. broadcast.Select(g => new Svg.Series(g.Key,
            (baseline is not null && metric(baseline) is { } b0 ? new[] { (0.0, b0) } : [])
            .Concat(g.OrderBy(c => c.Byzantine!.Fraction).Where(c => metric(c).HasValue).Select(c => (c.Byzantine!.Fraction, metric(c)!.Value))).ToList()))];
        sb.Append(Svg.LineChart("Coverage of the honest nodes against the Byzantine fraction", "Byzantine fraction", "mean coverage", Series(c => MeanCoverage(c)), 1));
        sb.Append(Svg.LineChart("Time to 90% of the honest nodes (median over transactions)", "Byzantine fraction", "seconds",
            Series(c => MedianTime(c, t => t.Time90Ms) is { } ms ? ms / 1000 : null)));
        sb.Append(Svg.LineChart("Honest–Byzantine connections closed by the honest end", "Byzantine fraction", "share closed",
            [.. broadcast.Select(g => new Svg.Series(g.Key, g.OrderBy(c => c.Byzantine!.Fraction)
                .Select(c => (c.Byzantine!.Fraction, c.Byzantine.HonestByzantineConnections == 0 ? 0 : c.Byzantine.ClosedByHonest / (double)c.Byzantine.HonestByzantineConnections)).ToList()))], 1));
    }

    /// <summary>Victims eclipsed against the attacker's address count, with and without the countermeasures.</summary>
    private static void AppendEclipse(StringBuilder sb, SimReport report)
    {
        var cases = report.Cases.Where(c => c.Eclipse is not null).ToList();
        sb.Append("<h2>Eclipse attack (Heilman et al. 2015)</h2><table><tr><th>case</th><th>attacker addresses</th><th>countermeasures</th>")
          .Append("<th>victims</th><th>eclipsed (all full-relay outbound to the attacker)</th><th>≥ half to the attacker</th>")
          .Append("<th>mean attacker share of outbound</th><th>block-relay (anchors) to attacker</th>")
          .Append("<th>attacker share of new table before restart</th><th>of tried</th></tr>");
        foreach (var c in cases)
        {
            var e = c.Eclipse!;
            sb.Append("<tr><th>").Append(E(c.Label)).Append("</th>").Append(Td((long)e.AttackerNodes)).Append("<td>").Append(e.Countermeasures ? "on" : "off").Append("</td>")
              .Append(Td((long)e.Victims)).Append(Td((long)e.Eclipsed)).Append(Td((long)e.AtLeastHalf)).Append(Td(e.FullRelayToAttacker.Mean))
              .Append("<td>").Append(e.BlockRelayToAttacker).Append(" / ").Append(e.BlockRelay).Append("</td>")
              .Append(Td(e.NewShareBeforeRestart.Mean)).Append(Td(e.TriedShareBeforeRestart.Mean)).Append("</tr>");
        }
        sb.Append("</table>");
        foreach (var c in cases)
            if (c.Eclipse!.Inbound is { } inbound)
                sb.Append("<p>").Append(E(c.Label)).Append(": the attacker also filled the inbound slots at the restart: ")
                  .Append(F(inbound.Inbound.Percentile(50))).Append(" inbound peers per victim (median), ")
                  .Append(F(Math.Round(100 * inbound.ToAttacker.Mean, 1))).Append("% of them the attacker's; ").Append(inbound.FullyEclipsed)
                  .Append(" of ").Append(c.Eclipse.Victims).Append(" victims with every connection the attacker's.</p>");
        var groups = cases.GroupBy(c => c.Eclipse!.Countermeasures).ToList();
        List<Svg.Series> Series(Func<EclipseResultView, double> metric, string what) => [.. groups.Select(g => new Svg.Series(
            $"{what}, countermeasures {(g.Key ? "on" : "off")}",
            g.OrderBy(c => c.Eclipse!.AttackerNodes).Select(c => ((double)c.Eclipse!.AttackerNodes, metric(new EclipseResultView(c.Eclipse)))).ToList()))];
        sb.Append(Svg.LineChart("Victims eclipsed (all outbound) and with ≥ half of their outbound to the attacker", "attacker addresses", "share of victims",
            [.. Series(v => v.EclipsedShare, "all"), .. Series(v => v.HalfShare, "≥ half")], 1));
    }

    private readonly record struct EclipseResultView(Adversaries.EclipseResult R)
    {
        public double EclipsedShare => R.Victims == 0 ? 0 : R.Eclipsed / (double)R.Victims;
        public double HalfShare => R.Victims == 0 ? 0 : R.AtLeastHalf / (double)R.Victims;
    }

    /// <summary>The median over transactions of a time; null when no transaction reached that share.</summary>
    private static double? MedianTime(CaseResult c, Func<PropagationSummary, double?> time)
    {
        var values = c.Broadcast!.Transactions.Where(t => time(t).HasValue).Select(t => time(t)!.Value).ToList();
        return values.Count == 0 ? null : new Stats(values).Percentile(50);
    }

    private static double MeanCoverage(CaseResult c) => c.Broadcast!.Transactions.Count == 0 ? 0 : c.Broadcast.Transactions.Average(t => t.Coverage);

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    private static string ParametersJson(SimReport report)
    {
        // The scenario block of report.json, so the page states exactly what was run.
        using var doc = System.Text.Json.JsonDocument.Parse(ReportJson.Serialize(report));
        return System.Text.Json.JsonSerializer.Serialize(doc.RootElement.GetProperty("scenario"),
            new System.Text.Json.JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private static string E(string s) => WebUtility.HtmlEncode(s);
    private static string Td(long v) => "<td>" + v.ToString("N0", CultureInfo.InvariantCulture) + "</td>";
    private static string Td(double v) => "<td>" + v.ToString("0.###", CultureInfo.InvariantCulture) + "</td>";
    private static string Td(double? v) => v is { } x ? Td(x) : "<td>—</td>";
}
