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
        json.WriteStartObject("network");
        if (report.Cases.Count > 0) report.Cases[0].Network.Describe(json);
        json.WriteEndObject();
        json.WriteStartObject("topology");
        json.WriteString("kind", s.Topology.Kind);
        json.WriteString("name", report.Topology.Name);
        json.WriteNumber("edges", report.Topology.EdgeCount);
        WriteStats(json, "degree", new Stats(report.Topology.Degrees().Select(d => (double)d)));
        WriteStats(json, "outDegree", new Stats(report.Topology.OutDegrees().Select(d => (double)d)));
        json.WriteEndObject();
        json.WriteStartObject("workload");
        json.WriteString("kind", s.Workload.Kind);
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
        json.WriteNumber("events", c.EventsProcessed);
        json.WriteNumber("virtualSeconds", Round(c.VirtualSeconds));
        json.WriteNumber("messagesDropped", c.MessagesDropped);
        json.WriteNumber("openConnections", c.OpenConnections);
        WriteTraffic(json, c.Traffic);
        json.WriteStartObject("handshakes");
        WriteStats(json, "durationMs", c.HandshakeDurationMs);
        WritePropagation(json, "nodesFullyConnected", c.Handshakes);
        json.WriteEndObject();
        json.WriteEndObject();
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
            json.WriteNumber("bytesPerNode", Round(totals.Bytes / (double)t.BytesSent.Length));
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
        json.WriteStartArray("fairness");
        foreach (var f in p.Fairness)
        {
            json.WriteStartObject();
            json.WriteString("class", f.Name);
            json.WriteNumber("nodes", f.DelayMs.Count);
            json.WriteNumber("meanMs", Round(f.DelayMs.Mean));
            json.WriteNumber("stdDevMs", Round(f.DelayMs.StdDev));
            json.WriteNumber("p10Ms", Round(f.DelayMs.Percentile(10)));
            json.WriteNumber("p90Ms", Round(f.DelayMs.Percentile(90)));
            json.WriteEndObject();
        }
        json.WriteEndArray();
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
