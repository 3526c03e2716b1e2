using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Nodus.Net.Rpc;
using Nodus.Net.Runtime;
using Xunit;

namespace Nodus.Net.Tests;

public sealed class RpcServerTests : IAsyncLifetime
{
    private readonly string _dataDir = TestNet.TempDir();
    private NodeDaemon _daemon = null!;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(20) };

    public async Task InitializeAsync()
    {
        _daemon = await NodeDaemon.StartAsync(new NodeDaemonOptions
        {
            DataDir = _dataDir,
            Rpc = new IPEndPoint(IPAddress.Loopback, TestNet.FreePort()),
            DefaultPort = 18444,
            Network = Nodus.Core.Chain.Networks.Regtest,
            Host = new NodeHostOptions { Magic = TestNet.Magic, Listen = new IPEndPoint(IPAddress.Loopback, 0) },
            ConfigureRpc = (methods, host) => methods.Register("echo", ["value"],
                p => Task.FromResult<JsonNode?>(p.GetString(0, "value")), "Returns its argument (test method)."),
        }, new ListLoggerFactory());
    }

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        _http.Dispose();
    }

    private Uri Url => new($"http://{_daemon.Rpc!.EndPoint}/");

    private async Task<HttpResponseMessage> PostAsync(string body, string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (authorization is not null) request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
        return await _http.SendAsync(request);
    }

    private string CookieAuthorization => RpcCookie.Read(_daemon.CookiePath!).AuthorizationHeader;

    [Fact(Timeout = 30_000)]
    public async Task Post_WithoutCredentials_Returns401()
    {
        using var response = await PostAsync("""{"method":"getconnectioncount","params":[],"id":1}""", null);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact(Timeout = 30_000)]
    public async Task Post_WrongCookie_Returns401()
    {
        string wrong = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("__cookie__:" + new string('0', 64)));
        using var response = await PostAsync("""{"method":"getconnectioncount","params":[],"id":1}""", wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact(Timeout = 30_000)]
    public async Task Post_WithCookie_ReturnsJsonRpc1Result()
    {
        using var response = await PostAsync("""{"jsonrpc":"1.0","method":"getconnectioncount","params":[],"id":"x"}""", CookieAuthorization);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(0, reply["result"]!.GetValue<int>());
        Assert.True(reply.ContainsKey("error"));
        Assert.Null(reply["error"]);
        Assert.Equal("x", reply["id"]!.GetValue<string>());
    }

    [Fact(Timeout = 30_000)]
    public async Task Post_JsonRpc2_ReplyHasNoErrorMember()
    {
        using var response = await PostAsync("""{"jsonrpc":"2.0","method":"echo","params":{"value":"hi"},"id":7}""", CookieAuthorization);
        var reply = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal("2.0", reply["jsonrpc"]!.GetValue<string>());
        Assert.Equal("hi", reply["result"]!.GetValue<string>());
        Assert.False(reply.ContainsKey("error"));
    }

    [Fact(Timeout = 30_000)]
    public async Task Post_UnknownMethod_Returns32601With404()
    {
        using var response = await PostAsync("""{"method":"nosuchmethod","params":[],"id":1}""", CookieAuthorization);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var reply = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(RpcErrorCode.MethodNotFound, reply["error"]!["code"]!.GetValue<int>());
    }

    [Theory(Timeout = 30_000)]
    [InlineData("""{"method":"disconnectnode","params":["127.0.0.1:1"],"id":1}""", RpcErrorCode.ClientNodeNotConnected)]
    [InlineData("""{"method":"disconnectnode","params":["127.0.0.1:1", 3],"id":1}""", RpcErrorCode.InvalidParameter)]
    [InlineData("""{"method":"addnode","params":["not-an-ip","add"],"id":1}""", RpcErrorCode.InvalidParameter)]
    [InlineData("""{"method":"addnode","params":["127.0.0.1:1","sometimes"],"id":1}""", RpcErrorCode.InvalidParameter)]
    [InlineData("""{"method":"addnode","params":["127.0.0.1:1","remove"],"id":1}""", RpcErrorCode.ClientNodeNotAdded)]
    [InlineData("""{"method":"addnode","params":["127.0.0.1:1"],"id":1}""", RpcErrorCode.InvalidParams)]
    [InlineData("""{"method":"getpeerinfo","params":[1],"id":1}""", RpcErrorCode.InvalidParams)]
    [InlineData("""{"method":"echo","params":[5],"id":1}""", RpcErrorCode.TypeError)]
    [InlineData("""{"method":7,"id":1}""", RpcErrorCode.InvalidRequest)]
    [InlineData("""{"method":"getpeerinfo",""", RpcErrorCode.ParseError)]
    public async Task Post_BadCall_ReturnsBitcoindErrorCode(string body, int code)
    {
        using var response = await PostAsync(body, CookieAuthorization);
        var reply = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(code, reply["error"]!["code"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(reply["error"]!["message"]!.GetValue<string>()));
    }

    [Fact(Timeout = 30_000)]
    public async Task Post_Batch_AnswersEachCall()
    {
        using var response = await PostAsync("""[{"method":"uptime","id":1},{"method":"nosuch","id":2}]""", CookieAuthorization);
        var replies = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();
        Assert.Equal(2, replies.Count);
        Assert.Null(replies[0]!["error"]);
        Assert.Equal(RpcErrorCode.MethodNotFound, replies[1]!["error"]!["code"]!.GetValue<int>());
    }

    [Fact(Timeout = 30_000)]
    public async Task AddNode_Add_DialsAndGetPeerInfoShowsIt()
    {
        await using var other = await TestNet.StartHostAsync();
        string add = $$"""{"method":"addnode","params":["{{other.ListenEndPoint}}","add"],"id":1}""";
        using (var response = await PostAsync(add, CookieAuthorization))
            Assert.Null(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]);

        JsonArray peers = [];
        await TestNet.WaitUntilAsync(async () =>
        {
            using var response = await PostAsync("""{"method":"getpeerinfo","id":1}""", CookieAuthorization);
            peers = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["result"]!.AsArray();
            return peers.Count == 1 && peers[0]!["pingtime"] is not null;
        }, "getpeerinfo shows the added node with a ping time");
        var peer = peers[0]!;
        Assert.Equal(other.ListenEndPoint!.ToString(), peer["addr"]!.GetValue<string>());
        Assert.Equal("manual", peer["connection_type"]!.GetValue<string>());
        Assert.False(peer["inbound"]!.GetValue<bool>());
        Assert.Equal("0000000000000009", peer["services"]!.GetValue<string>());
        Assert.Equal(70016, peer["version"]!.GetValue<int>());
        Assert.True(peer["bytesrecv_per_msg"]!["version"]!.GetValue<long>() > 0);

        using (var again = await PostAsync(add, CookieAuthorization))
            Assert.Equal(RpcErrorCode.ClientNodeAlreadyAdded, JsonNode.Parse(await again.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<int>());

        long id = peer["id"]!.GetValue<long>();
        using (var response = await PostAsync($$"""{"method":"disconnectnode","params":{"nodeid":{{id}}},"id":1}""", CookieAuthorization))
            Assert.Null(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]);
    }

    [Fact(Timeout = 30_000)]
    public async Task Cookie_WhileRunning_IsOwnerOnlyAndRemovedAtStop()
    {
        string path = _daemon.CookiePath!;
        Assert.StartsWith("__cookie__:", await File.ReadAllTextAsync(path));
        Assert.Equal(64, (await File.ReadAllTextAsync(path)).Split(':')[1].Length);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        await _daemon.StopAsync();
        Assert.False(File.Exists(path));
    }

    [Fact(Timeout = 30_000)]
    public async Task Start_DataDirInUse_ThrowsClearError()
    {
        var e = await Assert.ThrowsAsync<IOException>(() => NodeDaemon.StartAsync(new NodeDaemonOptions
        {
            DataDir = _dataDir,
            Network = Nodus.Core.Chain.Networks.Regtest,
            Host = new NodeHostOptions { Magic = TestNet.Magic },
        }, new ListLoggerFactory()));
        Assert.Contains("in use by another nodus node", e.Message);
    }
}
