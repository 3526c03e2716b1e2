using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nodus.Core.Chain;
using Nodus.Net.Rpc;
using Nodus.Net.Runtime;

namespace Nodus.Cli.Commands;

/// <summary>
/// <c>nodus rpc METHOD [PARAMS…]</c>: calls a node's JSON-RPC as bitcoin-cli does. Parameters that parse as JSON
/// are sent as JSON, others as strings; a string result prints raw, anything else as indented JSON.
/// </summary>
internal static class RpcCommand
{
    /// <summary>bitcoin-cli's DEFAULT_HTTP_CLIENT_TIMEOUT: 900 seconds.</summary>
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(900);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create()
    {
        var network = CliOptions.Network();
        var dataDir = CliOptions.DataDir("Data directory of the node: its .cookie, and its RPC address while it runs (default: ~/.nodus/NETWORK)");
        var rpc = CliOptions.EndPoint("--rpc", "The node's RPC address IP:PORT (default: the address the node wrote in its data directory, else 127.0.0.1 on the network's RPC port)");
        var cookie = new Option<string?>("--rpc-cookie") { Description = "Cookie file to authenticate with (default: DATADIR/.cookie)", HelpName = "FILE" };
        var method = new Argument<string>("method") { Description = "RPC method, e.g. getpeerinfo, addnode, stop (help lists them)" };
        var parameters = new Argument<string[]>("params") { Description = "Parameters: JSON when they parse as JSON, else strings", Arity = ArgumentArity.ZeroOrMore };

        var command = new Command("rpc", "Call a running node's JSON-RPC (as bitcoin-cli).") { network, dataDir, rpc, cookie, method, parameters };
        command.SetAction(async (result, cancel) =>
        {
            var net = NetworkParams.Get(result.GetValue(network)!);
            string dir = Path.GetFullPath(result.GetValue(dataDir) ?? CliOptions.DefaultDataDir(net.Name));
            var endPoint = result.GetValue(rpc) ?? ReadRpcAddress(dir) ?? new IPEndPoint(IPAddress.Loopback, net.DefaultRpcPort);
            string cookiePath = result.GetValue(cookie) ?? Path.Combine(dir, RpcCookie.FileName);
            RpcCookie credentials;
            try { credentials = RpcCookie.Read(cookiePath); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return CommandLineRunner.Fail($"cannot read the RPC cookie {cookiePath} ({e.Message}); is a node running with this data directory?", 1);
            }
            var request = new JsonObject
            {
                ["jsonrpc"] = "1.0",
                ["id"] = "nodus",
                ["method"] = result.GetValue(method),
                ["params"] = new JsonArray([.. result.GetValue(parameters)!.Select(ParseParam)]),
            };
            return await CallAsync(endPoint, credentials, request, cancel).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> CallAsync(IPEndPoint endPoint, RpcCookie credentials, JsonObject request, CancellationToken cancel)
    {
        using var http = new HttpClient { Timeout = ClientTimeout };
        using var message = new HttpRequestMessage(HttpMethod.Post, $"http://{endPoint}/")
        {
            Content = new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        message.Headers.Authorization = AuthenticationHeaderValue.Parse(credentials.AuthorizationHeader);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(message, cancel).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException s)
        {
            return CommandLineRunner.Fail($"could not connect to the node's RPC at {endPoint} ({s.Message}); is the node running?", 1);
        }
        catch (HttpRequestException e)
        {
            return CommandLineRunner.Fail($"RPC to {endPoint} failed: {e.Message}", 1);
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Unauthorized)
                return CommandLineRunner.Fail($"authorization failed: the node at {endPoint} refused the cookie {credentials.Path}", 1);
            string body = await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false);
            JsonNode? reply;
            try { reply = JsonNode.Parse(body); }
            catch (JsonException)
            {
                return CommandLineRunner.Fail($"the node answered HTTP {(int)response.StatusCode} without JSON: {body.Trim()}", 1);
            }
            if (reply?["error"] is JsonObject error)
            {
                // bitcoin-cli's error format, on stderr.
                Console.Error.WriteLine($"error code: {error["code"]}");
                Console.Error.WriteLine("error message:");
                Console.Error.WriteLine(error["message"]?.GetValue<string>());
                // bitcoin-cli exits with the error code's absolute value (which the OS truncates to 8 bits), so
                // scripts written for it can tell errors apart: -8 exits 8, -32601 (method not found) exits 89.
                int code = error["code"] is JsonValue c && c.TryGetValue(out int n) ? Math.Abs(n) & 0xff : 1;
                return code == 0 ? 1 : code;
            }
            var value = reply?["result"];
            if (value is null) return 0; // bitcoin-cli prints nothing for a null result
            Console.WriteLine(value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString(Indented));
            return 0;
        }
    }

    /// <summary>bitcoin-cli sends a parameter as JSON when it is JSON (numbers, true, objects); otherwise as a string.</summary>
    private static JsonNode? ParseParam(string text)
    {
        try { return JsonNode.Parse(text) ?? JsonValue.Create((string?)null); }
        catch (JsonException) { return JsonValue.Create(text); }
    }

    private static IPEndPoint? ReadRpcAddress(string dataDir)
    {
        string path = Path.Combine(dataDir, NodeDaemon.RpcAddressFileName);
        try
        {
            return File.Exists(path) && EndPoints.TryParse(File.ReadAllText(path), null, out var endPoint) ? endPoint : null;
        }
        catch (IOException) { return null; }
    }
}
