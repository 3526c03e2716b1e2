using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Nodus.Net.Rpc;

/// <summary>
/// JSON-RPC over HTTP, shaped as bitcoind's server so bitcoin-cli style clients work: POST only, HTTP Basic
/// authentication with the cookie, JSON-RPC 1.0 replies (<c>result</c>, <c>error</c>, <c>id</c>) and 2.0 replies
/// when the request says <c>"jsonrpc": "2.0"</c>, batches, named or positional parameters. Methods come from an
/// <see cref="RpcMethods"/> table; this class knows none of them.
/// </summary>
public sealed partial class RpcServer : IAsyncDisposable
{
    /// <summary>bitcoind caps a request body at MAX_SIZE, 0x02000000 bytes (32 MiB).</summary>
    public const int MaxRequestBytes = 0x02000000;

    /// <summary>bitcoind's DEFAULT_HTTP_WORKQUEUE: 16 requests at once; beyond that it answers 503.</summary>
    public const int MaxConcurrentRequests = 16;

    /// <summary>A bound on the calls in one batch, so one request cannot queue unbounded work.</summary>
    public const int MaxBatchCalls = 1000;

    /// <summary>bitcoind waits 250 ms before answering wrong credentials, to slow down guessing.</summary>
    private static readonly TimeSpan WrongPasswordDelay = TimeSpan.FromMilliseconds(250);

    private static readonly JsonSerializerOptions ReplyOptions = new() { WriteIndented = false };

    private readonly HttpListener _listener = new();
    private readonly RpcMethods _methods;
    private readonly RpcCookie _cookie;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots = new(MaxConcurrentRequests, MaxConcurrentRequests);
    private readonly CancellationTokenSource _stopping = new();
    private Task _acceptLoop = Task.CompletedTask;

    public RpcServer(IPEndPoint endPoint, RpcMethods methods, RpcCookie cookie, ILoggerFactory loggerFactory)
    {
        EndPoint = endPoint;
        _methods = methods;
        _cookie = cookie;
        _logger = loggerFactory.CreateLogger("Nodus.Rpc");
        string host = endPoint.Address.Equals(IPAddress.Any) || endPoint.Address.Equals(IPAddress.IPv6Any) ? "+"
            : endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endPoint.Address}]"
            : endPoint.Address.ToString();
        _listener.Prefixes.Add($"http://{host}:{endPoint.Port}/");
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Starts listening; throws <see cref="HttpListenerException"/> when the address cannot be bound.</summary>
    public void Start()
    {
        _listener.Start();
        Listening(_logger, EndPoint);
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Stops accepting and waits (bounded) for requests in progress, such as the one that asked to stop.</summary>
    public async Task StopAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        for (int i = 0; i < MaxConcurrentRequests; i++)
            if (!await _slots.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false)) break;
        _listener.Close();
        await _acceptLoop.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().WaitAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or HttpListenerException or InvalidOperationException)
            {
                return;
            }
            if (!_slots.Wait(0))
            {
                await ReplyAsync(context, HttpStatusCode.ServiceUnavailable, "Work queue depth exceeded").ConfigureAwait(false);
                continue;
            }
            _ = Task.Run(async () =>
            {
                try { await HandleAsync(context).ConfigureAwait(false); }
                catch (Exception e) { RequestFailed(_logger, e.Message); context.Response.Abort(); }
                finally { _slots.Release(); }
            });
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        if (!_cookie.Accepts(request.Headers["Authorization"]))
        {
            if (request.Headers["Authorization"] is not null) await Task.Delay(WrongPasswordDelay).ConfigureAwait(false);
            context.Response.AddHeader("WWW-Authenticate", "Basic realm=\"jsonrpc\"");
            await ReplyAsync(context, HttpStatusCode.Unauthorized, "").ConfigureAwait(false);
            return;
        }
        if (request.HttpMethod != "POST")
        {
            await ReplyAsync(context, HttpStatusCode.MethodNotAllowed, "JSONRPC server handles only POST requests").ConfigureAwait(false);
            return;
        }
        if (request.ContentLength64 > MaxRequestBytes)
        {
            await ReplyAsync(context, HttpStatusCode.RequestEntityTooLarge, "request too large").ConfigureAwait(false);
            return;
        }
        var body = await ReadBodyAsync(request.InputStream).ConfigureAwait(false);
        if (body is null)
        {
            await ReplyAsync(context, HttpStatusCode.RequestEntityTooLarge, "request too large").ConfigureAwait(false);
            return;
        }

        JsonDocument document;
        try { document = JsonDocument.Parse(body); }
        catch (JsonException)
        {
            var error = Reply(null, null, RpcErrorCode.ParseError, "Parse error", jsonRpc2: false);
            await ReplyJsonAsync(context, HttpStatusCode.InternalServerError, error).ConfigureAwait(false);
            return;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                if (root.GetArrayLength() > MaxBatchCalls)
                {
                    var error = Reply(null, null, RpcErrorCode.InvalidRequest, $"batch of more than {MaxBatchCalls} calls", jsonRpc2: false);
                    await ReplyJsonAsync(context, HttpStatusCode.BadRequest, error).ConfigureAwait(false);
                    return;
                }
                var replies = new JsonArray();
                foreach (var call in root.EnumerateArray())
                    replies.Add((await CallAsync(call).ConfigureAwait(false)).Reply);
                await ReplyJsonAsync(context, HttpStatusCode.OK, replies).ConfigureAwait(false);
                return;
            }
            var (reply, code, isJsonRpc2, isNotification) = await CallAsync(root).ConfigureAwait(false);
            if (isNotification)
            {
                await ReplyAsync(context, HttpStatusCode.NoContent, "").ConfigureAwait(false);
                return;
            }
            // bitcoind's legacy (1.0) replies carry the error in the HTTP status too; 2.0 replies are always 200.
            var status = code is null || isJsonRpc2 ? HttpStatusCode.OK
                : code == RpcErrorCode.MethodNotFound ? HttpStatusCode.NotFound
                : code == RpcErrorCode.InvalidRequest ? HttpStatusCode.BadRequest
                : HttpStatusCode.InternalServerError;
            await ReplyJsonAsync(context, status, reply).ConfigureAwait(false);
        }
    }

    private async Task<(JsonObject Reply, int? ErrorCode, bool JsonRpc2, bool Notification)> CallAsync(JsonElement call)
    {
        if (call.ValueKind != JsonValueKind.Object)
            return (Reply(null, null, RpcErrorCode.InvalidRequest, "Invalid Request object", false), RpcErrorCode.InvalidRequest, false, false);
        bool jsonRpc2 = call.TryGetProperty("jsonrpc", out var version) && version.ValueKind == JsonValueKind.String && version.GetString() == "2.0";
        JsonNode? id = call.TryGetProperty("id", out var idElement) ? JsonNode.Parse(idElement.GetRawText()) : null;
        bool notification = jsonRpc2 && !call.TryGetProperty("id", out _);
        try
        {
            if (!call.TryGetProperty("method", out var methodElement) || methodElement.ValueKind != JsonValueKind.String)
                throw new RpcException(RpcErrorCode.InvalidRequest, "Method must be a string");
            string name = methodElement.GetString()!;
            var method = _methods.Find(name) ?? throw new RpcException(RpcErrorCode.MethodNotFound, "Method not found");
            var parameters = ReadParams(method, call);
            var result = await method.Handler(parameters, _stopping.Token).ConfigureAwait(false);
            return (Reply(id, result, null, null, jsonRpc2), null, jsonRpc2, notification);
        }
        catch (RpcException e)
        {
            return (Reply(id, null, e.Code, e.Message, jsonRpc2), e.Code, jsonRpc2, notification);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug or a stopped node behind a handler: the caller gets bitcoind's catch-all code, the server goes on.
            RequestFailed(_logger, e.Message);
            return (Reply(id, null, RpcErrorCode.MiscError, e.Message, jsonRpc2), RpcErrorCode.MiscError, jsonRpc2, notification);
        }
    }

    private static RpcParams ReadParams(RpcMethod method, JsonElement call)
    {
        if (!call.TryGetProperty("params", out var p) || p.ValueKind == JsonValueKind.Null)
            return new RpcParams(method.Name, []);
        if (p.ValueKind == JsonValueKind.Array)
        {
            var values = p.EnumerateArray().Select(v => (JsonElement?)v.Clone()).ToList();
            if (values.Count > method.Parameters.Count)
                throw new RpcException(RpcErrorCode.InvalidParams, $"{method.Name} takes at most {method.Parameters.Count} parameters; usage: {method.Usage}");
            return new RpcParams(method.Name, values);
        }
        if (p.ValueKind == JsonValueKind.Object)
        {
            var values = new JsonElement?[method.Parameters.Count];
            foreach (var property in p.EnumerateObject())
            {
                int index = method.Parameters.ToList().IndexOf(property.Name);
                if (index < 0) throw new RpcException(RpcErrorCode.InvalidParameter, $"Unknown named parameter {property.Name}");
                values[index] = property.Value.Clone();
            }
            return new RpcParams(method.Name, values);
        }
        throw new RpcException(RpcErrorCode.InvalidRequest, "Params must be an array or object");
    }

    private static JsonObject Reply(JsonNode? id, JsonNode? result, int? code, string? message, bool jsonRpc2)
    {
        var reply = new JsonObject();
        if (jsonRpc2) reply["jsonrpc"] = "2.0";
        JsonNode? error = code is null ? null : new JsonObject { ["code"] = code, ["message"] = message };
        if (!jsonRpc2 || code is null) reply["result"] = result;
        if (!jsonRpc2 || code is not null) reply["error"] = error;
        reply["id"] = id;
        return reply;
    }

    /// <summary>Reads the body up to <see cref="MaxRequestBytes"/>; null when it is longer.</summary>
    private static async Task<byte[]?> ReadBodyAsync(Stream input)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await input.ReadAsync(chunk).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > MaxRequestBytes) return null;
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    private static Task ReplyJsonAsync(HttpListenerContext context, HttpStatusCode status, JsonNode reply) =>
        WriteAsync(context, status, "application/json", Encoding.UTF8.GetBytes(reply.ToJsonString(ReplyOptions) + "\n"));

    private static Task ReplyAsync(HttpListenerContext context, HttpStatusCode status, string text) =>
        WriteAsync(context, status, "text/plain", Encoding.UTF8.GetBytes(text));

    private static async Task WriteAsync(HttpListenerContext context, HttpStatusCode status, string contentType, byte[] body)
    {
        var response = context.Response;
        try
        {
            response.StatusCode = (int)status;
            response.ContentType = contentType;
            response.ContentLength64 = body.Length;
            if (body.Length > 0) await response.OutputStream.WriteAsync(body).ConfigureAwait(false);
            response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            response.Abort(); // the client went away
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "RPC listening on http://{EndPoint}/")]
    private static partial void Listening(ILogger logger, IPEndPoint endPoint);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "RPC request failed: {Reason}")]
    private static partial void RequestFailed(ILogger logger, string reason);
}
