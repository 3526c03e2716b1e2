using System.Globalization;
using System.IO.Compression;

namespace Nodus.Sim.Topology;

/// <summary>
/// Reads a graph from an edge list: one "source target" pair of node integers per line, '#' starts a comment. Self
/// loops and repeated pairs (in either direction) are dropped, since two nodes hold at most one connection here.
/// "bitcoin-2015" names the embedded 2015 Bitcoin graph (Fanti and Viswanath, 2017).
/// </summary>
public static class EdgeListFile
{
    public const string Bitcoin2015 = "bitcoin-2015";
    private const string Bitcoin2015Resource = "Nodus.Sim.Data.bitcoin-2015-topology.edges.gz";

    /// <summary>Bounds what a graph file may ask us to allocate.</summary>
    public const int MaxNodes = 16_000_000;

    public static Topology Load(string nameOrPath)
    {
        if (nameOrPath == Bitcoin2015)
        {
            using var resource = typeof(EdgeListFile).Assembly.GetManifestResourceStream(Bitcoin2015Resource)
                ?? throw new InvalidOperationException($"embedded resource {Bitcoin2015Resource} is missing");
            using var gz = new GZipStream(resource, CompressionMode.Decompress);
            using var reader = new StreamReader(gz);
            return Parse(Bitcoin2015, reader);
        }
        using var file = File.OpenRead(nameOrPath);
        using Stream stream = nameOrPath.EndsWith(".gz", StringComparison.Ordinal)
            ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var r = new StreamReader(stream);
        return Parse(Path.GetFileName(nameOrPath), r);
    }

    public static Topology Parse(string name, TextReader reader)
    {
        var from = new List<int>();
        var to = new List<int>();
        var pairs = new HashSet<long>();
        int max = -1, lineNo = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            var span = line.AsSpan().Trim();
            if (span.IsEmpty || span[0] == '#') continue;
            int sep = span.IndexOfAny(' ', '\t');
            if (sep < 0
                || !int.TryParse(span[..sep], NumberStyles.None, CultureInfo.InvariantCulture, out int a)
                || !int.TryParse(span[(sep + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int b))
                throw new InvalidDataException($"{name}:{lineNo}: expected 'source target', got '{line}'");
            if (a >= MaxNodes || b >= MaxNodes) throw new InvalidDataException($"{name}:{lineNo}: node id above {MaxNodes}");
            if (a == b || !pairs.Add(Topology.PairKey(a, b))) continue;
            from.Add(a);
            to.Add(b);
            max = Math.Max(max, Math.Max(a, b));
        }
        return new Topology(name, max + 1, [.. from], [.. to]);
    }
}
