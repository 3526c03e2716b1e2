using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nodus.Sim.Trace;

/// <summary>The JSON form of <see cref="TraceEvent"/>: camelCase, nulls written, one object per line in files.</summary>
public static class TraceJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
    };

    public static string Serialize(TraceEvent e) => JsonSerializer.Serialize(e, Options);

    public static byte[] SerializeToUtf8(TraceEvent e) => JsonSerializer.SerializeToUtf8Bytes(e, Options);

    public static TraceEvent? Deserialize(string line) => JsonSerializer.Deserialize<TraceEvent>(line, Options);
}

/// <summary>Writes a trace as JSON lines (<c>events.jsonl</c>), the file the dashboard replays.</summary>
public sealed class TraceWriter : IDisposable
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private readonly Stream _stream;

    public TraceWriter(string path) => _stream = new BufferedStream(File.Create(path), 1 << 16);

    public TraceWriter(Stream stream) => _stream = stream;

    public long Count { get; private set; }

    public void Write(TraceEvent e)
    {
        _stream.Write(TraceJson.SerializeToUtf8(e));
        _stream.Write(NewLine);
        Count++;
    }

    public void Dispose() => _stream.Dispose();
}
