using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Nodus.Net.Rpc;

/// <summary>One RPC method: its name, its parameter names (for named calls and help) and its handler.</summary>
public sealed record RpcMethod(string Name, IReadOnlyList<string> Parameters, Func<RpcParams, CancellationToken, Task<JsonNode?>> Handler, string Help)
{
    public string Usage => Parameters.Count == 0 ? Name : $"{Name} {string.Join(' ', Parameters.Select(p => $"\"{p}\""))}";
}

/// <summary>
/// The method table. Each component registers its own methods (net here; the chain, mempool and relay components
/// register theirs) and the server never changes. Thread-safe; registration normally happens before the server starts.
/// </summary>
public sealed class RpcMethods
{
    /// <summary>Bitcoin Core's RPC method count is about 150; the table is bounded well above it.</summary>
    public const int MaxMethods = 1024;

    private readonly ConcurrentDictionary<string, RpcMethod> _methods = new(StringComparer.Ordinal);

    public RpcMethods() => Register("help", ["command"], Help, "List the methods, or show one method's parameters.");

    public IEnumerable<RpcMethod> All => _methods.Values.OrderBy(m => m.Name, StringComparer.Ordinal);

    public RpcMethod? Find(string name) => _methods.GetValueOrDefault(name);

    public void Register(RpcMethod method)
    {
        if (_methods.Count >= MaxMethods) throw new InvalidOperationException("too many RPC methods");
        if (!_methods.TryAdd(method.Name, method)) throw new InvalidOperationException($"RPC method {method.Name} is already registered");
    }

    public void Register(string name, IReadOnlyList<string> parameters, Func<RpcParams, CancellationToken, Task<JsonNode?>> handler, string help) =>
        Register(new RpcMethod(name, parameters, handler, help));

    /// <summary>Registers a method whose handler answers at once (it may still call NodeHost.InvokeAsync and wait).</summary>
    public void Register(string name, IReadOnlyList<string> parameters, Func<RpcParams, Task<JsonNode?>> handler, string help) =>
        Register(new RpcMethod(name, parameters, (p, _) => handler(p), help));

    private Task<JsonNode?> Help(RpcParams p, CancellationToken ct)
    {
        if (p.GetOptionalString(0, "command") is { } command)
        {
            var method = Find(command) ?? throw new RpcException(RpcErrorCode.MethodNotFound, $"help: unknown command: {command}");
            return Task.FromResult<JsonNode?>(JsonValue.Create($"{method.Usage}\n\n{method.Help}"));
        }
        return Task.FromResult<JsonNode?>(JsonValue.Create(string.Join('\n', All.Select(m => m.Usage))));
    }
}
