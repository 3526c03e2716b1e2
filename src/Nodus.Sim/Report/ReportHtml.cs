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

        var handshakeCurves = report.Cases.Select(c => new Svg.Series(c.Label,
            c.Handshakes.Curve.Select(p => (p.Ms / 1000, p.Fraction)).ToList())).ToList();
        sb.Append("<h2>Handshakes</h2>");
        sb.Append(Svg.LineChart("Nodes with every connection established, over time", "seconds after start", "fraction of live nodes", handshakeCurves, 1));
        foreach (var c in report.Cases)
        {
            var (start, width, counts) = c.HandshakeDurationMs.Histogram(PropagationSummary.HistogramBins);
            sb.Append(Svg.BarChart($"{c.Label}: handshake duration (outbound side)", "milliseconds", "connections", start, width, counts));
            var bytes = new Stats(c.Traffic.BytesSent.Select(b => (double)b));
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
                  .Append(Td(t.Bytes / (double)c.Traffic.BytesSent.Length)).Append("</tr>");
            sb.Append("</table>");
        }
        sb.Append("<p>Wall-clock times are for this run only and are not part of report.json, which is reproducible byte for byte from the seed.</p>");
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

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
