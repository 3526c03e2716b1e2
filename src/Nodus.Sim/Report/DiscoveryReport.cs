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
    }

    private static string F(double v) => double.IsFinite(v) ? v.ToString("0.###", CultureInfo.InvariantCulture) : "—";
    private static string Td(double? v) => "<td>" + (v is { } x ? F(x) : "—") + "</td>";
}
