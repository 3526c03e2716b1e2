using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Nodus.Sim.Scenarios;
using static Nodus.Sim.Report.ReportJson;

namespace Nodus.Sim.Report;

/// <summary>The "discovery" section of report.json: the overlay the nodes grew, and its measurements over time.</summary>
public static class DiscoveryReport
{
    public const string SampleColumns =
        "seconds, live, outboundFull, outboundConnections, inboundConnections, dialsFailed, components, largestComponent, broadcastReached, broadcastLive";

    public static void Write(Utf8JsonWriter json, DiscoveryResult d)
    {
        json.WriteStartObject("discovery");
        json.WriteNumber("bootnodes", d.Bootnodes);
        json.WriteString("addressBook", d.AddressBook);
        json.WriteNumber("addressGroups", d.Groups);
        WritePropagation(json, "nodesWithFullOutbound", d.OutboundFull);
        WriteStats(json, "fullOutboundSinceStartMs", d.OutboundFullSinceStartMs);
        WriteStats(json, "fullRelayOutbound", d.FullRelayOutbound);
        WriteStats(json, "blockRelayOutbound", d.BlockRelayOutbound);
        WriteStats(json, "inbound", d.Inbound);
        WriteStats(json, "bootnodeInbound", d.BootnodeInbound);
        WriteStats(json, "addressBookSize", d.AddressBookSize);
        WriteStats(json, "triedSize", d.TriedSize);
        json.WriteNumber("components", d.Components);
        json.WriteNumber("largestComponent", d.LargestComponent);
        json.WriteStartArray("samples");
        foreach (var s in d.Samples)
        {
            json.WriteStartArray();
            json.WriteNumberValue(Round(s.Seconds));
            json.WriteNumberValue(s.Live);
            json.WriteNumberValue(s.OutboundFull);
            json.WriteNumberValue(s.OutboundConnections);
            json.WriteNumberValue(s.InboundConnections);
            json.WriteNumberValue(s.DialsFailed);
            json.WriteNumberValue(s.Components);
            json.WriteNumberValue(s.LargestComponent);
            if (s.BroadcastReached is { } r) json.WriteNumberValue(r); else json.WriteNullValue();
            if (s.BroadcastLive is { } l) json.WriteNumberValue(l); else json.WriteNullValue();
            json.WriteEndArray();
        }
        json.WriteEndArray();
        json.WriteString("sampleColumns", SampleColumns);
        if (d.BroadcastWindows.Count > 0)
        {
            var w = d.BroadcastWindows.Where(x => !x.SourceLeft).ToList();
            json.WriteStartObject("broadcastWindow");
            json.WriteNumber("transactions", d.BroadcastWindows.Count);
            json.WriteNumber("sourceLeftWithinWindow", d.BroadcastWindows.Count - w.Count);
            json.WriteNumber("windowSeconds", Nodus.Core.Time.ToSeconds(DiscoveryNetwork.BroadcastWindow));
            WriteStats(json, "coverage", new Metrics.Stats(w.Select(x => x.Coverage)));
            WriteStats(json, "time90Ms", new Metrics.Stats(w.Where(x => x.Time90Ms.HasValue).Select(x => x.Time90Ms!.Value)));
            json.WriteNumber("transactionsBelow90", w.Count(x => x.Time90Ms is null));
            json.WriteStartArray("perTransaction");
            foreach (var x in d.BroadcastWindows.Take(MaxListedTransactions))
            {
                json.WriteStartArray();
                json.WriteNumberValue(Round(x.SubmittedAtSeconds));
                json.WriteNumberValue(x.Eligible);
                json.WriteNumberValue(x.Reached);
                if (x.Time90Ms is { } t) json.WriteNumberValue(Round(t)); else json.WriteNullValue();
                json.WriteBooleanValue(x.SourceLeft);
                json.WriteEndArray();
            }
            json.WriteEndArray();
            json.WriteString("perTransactionColumns", "submittedAtSeconds, eligible (up throughout the window), reached, time90Ms, sourceLeft (excluded from the statistics above)");
            json.WriteEndObject();
        }
        if (d.DnsSeeds is { } seeds)
        {
            json.WriteStartObject("dnsSeeds");
            json.WriteNumber("seeds", seeds.Seeds);
            json.WriteNumber("queries", seeds.Queries);
            json.WriteNumber("unanswered", seeds.Unanswered);
            json.WriteNumber("emptyAnswers", seeds.EmptyAnswers);
            json.WriteNumber("addressesGiven", seeds.AddressesGiven);
            json.WriteNumber("addressesUp", seeds.AddressesUp);
            WriteStats(json, "goodAddressesAtEnd", seeds.GoodAtEnd);
            json.WriteEndObject();
        }
        if (d.Churn is { } churn)
        {
            json.WriteStartObject("churn");
            json.WriteNumber("departures", churn.Departures);
            json.WriteNumber("crashes", churn.Crashes);
            json.WriteNumber("cleanShutdowns", churn.Departures - churn.Crashes);
            if (churn.BootnodeDepartures > 0) json.WriteNumber("bootnodeDepartures", churn.BootnodeDepartures);
            json.WriteNumber("freshJoins", churn.FreshJoins);
            json.WriteNumber("returningJoins", churn.ReturningJoins);
            WriteStats(json, "sessionSeconds", churn.SessionSeconds);
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    /// <summary>report.html: the overlay over time (live nodes, 8/8 outbound, components, coverage) and the final degrees.</summary>
    public static void AppendHtml(StringBuilder sb, SimReport report)
    {
        var cases = report.Cases.Where(c => c.Discovery is not null).Take(8).ToList();
        if (cases.Count == 0) return;
        sb.Append("<h2>Overlay grown by discovery</h2>");
        var shares = new List<Svg.Series>();
        var counts = new List<Svg.Series>();
        foreach (var c in cases)
        {
            var samples = c.Discovery!.Samples;
            shares.Add(new Svg.Series($"{c.Label}: 8/8 outbound", samples.Select(s => (s.Seconds, s.Live == 0 ? 0 : s.OutboundFull / (double)s.Live)).ToList()));
            shares.Add(new Svg.Series($"{c.Label}: in largest component", samples.Select(s => (s.Seconds, s.Live == 0 ? 0 : s.LargestComponent / (double)s.Live)).ToList()));
            if (samples.Any(s => s.BroadcastLive > 0))
                shares.Add(new Svg.Series($"{c.Label}: broadcast coverage", samples.Where(s => s.BroadcastLive > 0)
                    .Select(s => (s.Seconds, s.BroadcastReached!.Value / (double)s.BroadcastLive!.Value)).ToList()));
            counts.Add(new Svg.Series($"{c.Label}: live nodes", samples.Select(s => (s.Seconds, (double)s.Live)).ToList()));
            counts.Add(new Svg.Series($"{c.Label}: failed dials per sample", samples.Select(s => (s.Seconds, (double)s.DialsFailed)).ToList()));
            counts.Add(new Svg.Series($"{c.Label}: components", samples.Select(s => (s.Seconds, (double)s.Components)).ToList()));
        }
        sb.Append(Svg.LineChart("Share of live nodes, over time", "seconds after start", "fraction of live nodes", shares, 1));
        sb.Append(Svg.LineChart("Live nodes, failed dials and components, over time", "seconds after start", "count", counts));
        sb.Append("<table><tr><th>case</th><th>bootnodes</th><th>8/8 outbound: 50% (s)</th><th>90%</th><th>100%</th>")
          .Append("<th>per node from its start, median (s)</th><th>inbound median / p90 / max</th><th>bootnode inbound mean</th>")
          .Append("<th>book median</th><th>components</th></tr>");
        foreach (var c in report.Cases.Where(c => c.Discovery is not null))
        {
            var d = c.Discovery!;
            sb.Append("<tr><th>").Append(WebUtility.HtmlEncode(c.Label)).Append("</th>").Append(Td(d.Bootnodes))
              .Append(Td(d.OutboundFull.Time50Ms / 1000)).Append(Td(d.OutboundFull.Time90Ms / 1000)).Append(Td(d.OutboundFull.Time100Ms / 1000))
              .Append(Td(d.OutboundFullSinceStartMs.Percentile(50) / 1000))
              .Append("<td>").Append(F(d.Inbound.Percentile(50))).Append(" / ").Append(F(d.Inbound.Percentile(90))).Append(" / ").Append(F(d.Inbound.Max)).Append("</td>")
              .Append(Td(d.BootnodeInbound.Mean)).Append(Td(d.AddressBookSize.Percentile(50))).Append(Td(d.Components)).Append("</tr>");
        }
        sb.Append("</table>");
        foreach (var c in report.Cases.Where(c => c.Discovery is { BroadcastWindows.Count: > 0 } || c.Discovery?.Churn is not null || c.Discovery?.DnsSeeds is not null))
        {
            var d = c.Discovery!;
            sb.Append("<p><b>").Append(WebUtility.HtmlEncode(c.Label)).Append("</b>: ");
            if (d.DnsSeeds is { } ds)
                sb.Append(CultureInfo.InvariantCulture, $"{ds.Seeds} DNS seeds answered {ds.Queries - ds.Unanswered} of {ds.Queries} queries ({ds.EmptyAnswers} empty) ")
                  .Append(CultureInfo.InvariantCulture, $"with {ds.AddressesGiven} addresses, {(ds.AddressesGiven == 0 ? 0 : 100.0 * ds.AddressesUp / ds.AddressesGiven):0.#}% of them up; ");
            if (d.Churn is { } ch)
                sb.Append(CultureInfo.InvariantCulture, $"{ch.Departures} departures ({ch.Crashes} crashes), {ch.FreshJoins} fresh and {ch.ReturningJoins} returning joins; ");
            var w = d.BroadcastWindows.Where(x => !x.SourceLeft).ToList();
            if (w.Count > 0)
                sb.Append(CultureInfo.InvariantCulture, $"{w.Count} transactions, coverage of the nodes up throughout {Nodus.Core.Time.ToSeconds(DiscoveryNetwork.BroadcastWindow):0} s: median ")
                  .Append(F(new Metrics.Stats(w.Select(x => x.Coverage)).Percentile(50))).Append(", min ").Append(F(w.Min(x => x.Coverage)))
                  .Append("; time to 90% median ").Append(F(new Metrics.Stats(w.Where(x => x.Time90Ms.HasValue).Select(x => x.Time90Ms!.Value / 1000)).Percentile(50))).Append(" s");
            sb.Append("</p>");
        }
    }

    private static string F(double v) => double.IsFinite(v) ? v.ToString("0.###", CultureInfo.InvariantCulture) : "—";
    private static string Td(double? v) => "<td>" + (v is { } x ? F(x) : "—") + "</td>";
}
