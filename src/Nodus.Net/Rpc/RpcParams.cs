using System.Globalization;
using System.Text.Json;

namespace Nodus.Net.Rpc;

/// <summary>
/// The parameters of one call, positional or named (mapped to positions by the method's declared names), with
/// typed accessors that answer bad input with bitcoind's error codes.
/// </summary>
public sealed class RpcParams
{
    private readonly JsonElement?[] _values;

    public RpcParams(string method, IReadOnlyList<JsonElement?> values)
    {
        Method = method;
        _values = [.. values];
    }

    public string Method { get; }
    public int Count => _values.Length;

    /// <summary>True when parameter <paramref name="index"/> was given and is not JSON null.</summary>
    public bool Has(int index) =>
        index < _values.Length && _values[index] is { } v && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);

    public JsonElement? Get(int index) => Has(index) ? _values[index] : null;

    public string GetString(int index, string name) =>
        GetOptionalString(index, name) ?? throw new RpcException(RpcErrorCode.InvalidParams, $"{Method}: missing parameter '{name}'");

    public string? GetOptionalString(int index, string name)
    {
        if (Get(index) is not { } v) return null;
        return v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : throw new RpcException(RpcErrorCode.TypeError, $"{Method}: '{name}' must be a string, not {Describe(v)}");
    }

    public long? GetOptionalInt64(int index, string name)
    {
        if (Get(index) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n)) return n;
        // bitcoin-cli sends numbers as JSON, but a caller writing "5" should not be refused.
        if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out n)) return n;
        throw new RpcException(RpcErrorCode.TypeError, $"{Method}: '{name}' must be an integer, not {Describe(v)}");
    }

    public bool? GetOptionalBool(int index, string name)
    {
        if (Get(index) is not { } v) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new RpcException(RpcErrorCode.TypeError, $"{Method}: '{name}' must be true or false, not {Describe(v)}"),
        };
    }

    private static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => v.ValueKind.ToString().ToLowerInvariant(),
    };
}
