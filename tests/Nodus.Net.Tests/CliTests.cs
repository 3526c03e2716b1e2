using System.Diagnostics;
using System.Text;
using Nodus.Net.Rpc;
using Nodus.Net.Runtime;
using Xunit;

namespace Nodus.Net.Tests;

/// <summary>The <c>nodus</c> executable end to end, run as child processes from the built nodus.dll.</summary>
public class CliTests
{
    internal static readonly string NodusDll = Path.Combine(AppContext.BaseDirectory, "nodus.dll");

    [Fact(Timeout = 90_000)]
    public async Task NodeAndRpc_TwoNodes_GetPeerInfoThenStopRemovesCookie()
    {
        string d1 = TestNet.TempDir(), d2 = TestNet.TempDir();
        int p2p1 = TestNet.FreePort(), rpc1 = TestNet.FreePort(), rpc2 = TestNet.FreePort();
        using var node1 = StartNodus("node", "--network", "regtest", "--datadir", d1, "--listen", $"127.0.0.1:{p2p1}", "--rpc", $"127.0.0.1:{rpc1}",
            "--mine", "--mine-interval", "0.5");
        string cookie1 = Path.Combine(d1, RpcCookie.FileName);
        // Node 2 starts once node 1 listens: a refused dial is retried only after a minute (Bitcoin Core's interval).
        await TestNet.WaitUntilAsync(() => Task.FromResult(File.Exists(cookie1)), "node 1 is up");
        using var node2 = StartNodus("node", "--network", "regtest", "--datadir", d2, "--listen", "127.0.0.1:0", "--rpc", $"127.0.0.1:{rpc2}",
            "--connect", $"127.0.0.1:{p2p1}", "--log-level", "debug");
        string peers = "";
        try
        {
            await TestNet.WaitUntilAsync(() => Task.FromResult(File.Exists(Path.Combine(d2, RpcCookie.FileName))), "both cookies are written");

            await TestNet.WaitUntilAsync(async () =>
            {
                var result = await RunNodusAsync("rpc", "--datadir", d1, "getpeerinfo");
                peers = result.Stdout;
                return result.ExitCode == 0 && peers.Contains("\"pingtime\"", StringComparison.Ordinal);
            }, "node 1's getpeerinfo shows its peer with a ping time", TimeSpan.FromSeconds(40));
            Assert.Contains("\"inbound\": true", peers, StringComparison.Ordinal);
            Assert.Contains("\"subver\": \"/Nodus:0.1.0/\"", peers, StringComparison.Ordinal);
            Assert.Contains("\"connection_type\": \"inbound\"", peers, StringComparison.Ordinal);

            // Node 1 mines; its blocks reach node 2 through the real runtime (the full node's sync behaviour).
            await TestNet.WaitUntilAsync(async () =>
            {
                var result = await RunNodusAsync("rpc", "--datadir", d2, "getpeerinfo");
                return result.Stdout.Contains("\"block\":", StringComparison.Ordinal);
            }, "node 2 received a block from node 1", TimeSpan.FromSeconds(40));

            var count = await RunNodusAsync("rpc", "--rpc", $"127.0.0.1:{rpc2}", "--rpc-cookie", Path.Combine(d2, RpcCookie.FileName), "getconnectioncount");
            Assert.Equal((0, "1"), (count.ExitCode, count.Stdout.Trim()));

            var unknown = await RunNodusAsync("rpc", "--datadir", d1, "nosuchmethod");
            Assert.Equal(32601 & 0xff, unknown.ExitCode); // bitcoin-cli's exit status for -32601
            Assert.Contains("Method not found", unknown.Stderr, StringComparison.Ordinal);

            var stop = await RunNodusAsync("rpc", "--datadir", d1, "stop");
            Assert.Equal((0, "Nodus stopping"), (stop.ExitCode, stop.Stdout.Trim()));
            await node1.Process.WaitForExitAsync().WaitAsync(TestNet.Patience);
            Assert.Equal(0, node1.Process.ExitCode);
            Assert.False(File.Exists(cookie1));
            Assert.Contains("closed", node1.Output.ToString(), StringComparison.Ordinal);

            // SIGTERM stops the other node cleanly too.
            using (var kill = Process.Start("kill", ["-TERM", node2.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync();
            await node2.Process.WaitForExitAsync().WaitAsync(TestNet.Patience);
            Assert.Equal(0, node2.Process.ExitCode);
            Assert.False(File.Exists(Path.Combine(d2, RpcCookie.FileName)));
            Assert.False(File.Exists(Path.Combine(d2, NodeDaemon.RpcAddressFileName)));
        }
        catch (Exception e) when (e is TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{e.Message}\n--- last getpeerinfo:\n{peers}\n--- node 1:\n{node1.Output}\n--- node 2:\n{node2.Output}", e);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Node_TlsRequireWithAllow_PrintsFingerprint_PeersOverTls()
    {
        string d1 = TestNet.TempDir(), d2 = TestNet.TempDir();
        int p2p1 = TestNet.FreePort();
        using var node1 = StartNodus("node", "--network", "regtest", "--datadir", d1, "--listen", $"127.0.0.1:{p2p1}",
            "--rpc", $"127.0.0.1:{TestNet.FreePort()}", "--tls", "require", "--tls-keep-cert");
        NodusProcess? node2 = null;
        try
        {
            await TestNet.WaitUntilAsync(() => Task.FromResult(File.Exists(Path.Combine(d1, RpcCookie.FileName))), "node 1 is up");
            var info = await RunNodusAsync("rpc", "--datadir", d1, "getnetworkinfo");
            string fingerprint = System.Text.RegularExpressions.Regex.Match(info.Stdout, "\"tlsfingerprint\": \"([0-9a-f]{64})\"").Groups[1].Value;
            Assert.Equal(64, fingerprint.Length);
            Assert.True(File.Exists(Path.Combine(d1, TlsCertificates.FileName)));
            Assert.Contains($"certificate fingerprint is {fingerprint}", node1.Output.ToString(), StringComparison.Ordinal);

            node2 = StartNodus("node", "--network", "regtest", "--datadir", d2, "--listen", "127.0.0.1:0", "--rpc", $"127.0.0.1:{TestNet.FreePort()}",
                "--connect", $"127.0.0.1:{p2p1}", "--tls", "require", "--tls-allow", fingerprint.ToUpperInvariant());
            await TestNet.WaitUntilAsync(async () =>
            {
                var peers = await RunNodusAsync("rpc", "--datadir", d2, "getpeerinfo");
                return peers.Stdout.Contains("\"tls\": true", StringComparison.Ordinal)
                    && peers.Stdout.Contains($"\"tlsfingerprint\": \"{fingerprint}\"", StringComparison.Ordinal);
            }, "node 2 peers with node 1 over TLS", TimeSpan.FromSeconds(30));
        }
        finally
        {
            await RunNodusAsync("rpc", "--datadir", d1, "stop");
            if (node2 is not null) await RunNodusAsync("rpc", "--datadir", d2, "stop");
            await node1.Process.WaitForExitAsync().WaitAsync(TestNet.Patience);
            if (node2 is not null)
            {
                await node2.Process.WaitForExitAsync().WaitAsync(TestNet.Patience);
                node2.Dispose();
            }
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Node_DataDirInUse_OneLineAndNonZeroExit()
    {
        string dir = TestNet.TempDir();
        using var first = StartNodus("node", "--network", "regtest", "--datadir", dir, "--listen", "127.0.0.1:0", "--rpc", $"127.0.0.1:{TestNet.FreePort()}");
        try
        {
            await TestNet.WaitUntilAsync(() => Task.FromResult(File.Exists(Path.Combine(dir, RpcCookie.FileName))), "the first node runs");
            var second = await RunNodusAsync("node", "--network", "regtest", "--datadir", dir, "--listen", "127.0.0.1:0", "--rpc", $"127.0.0.1:{TestNet.FreePort()}");
            Assert.Equal(1, second.ExitCode);
            Assert.Matches(@"^nodus: data directory .* is in use by another nodus node", second.Stderr);
            Assert.Single(second.Stderr.Trim().Split('\n'));
            await RunNodusAsync("rpc", "--datadir", dir, "stop");
            await first.Process.WaitForExitAsync().WaitAsync(TestNet.Patience);
        }
        finally
        {
            first.Dispose();
        }
    }

    [Theory(Timeout = 30_000)]
    [InlineData("nodus: --listen: '1.2.3' is not IP:PORT", "node", "--listen", "1.2.3")]
    [InlineData("nodus: --network: 'mars' is not a network", "node", "--network", "mars")]
    [InlineData("nodus: --log-level: 'loud' is not one of", "node", "--log-level", "loud")]
    [InlineData("nodus: --relay: 'gossip' is not one of", "node", "--relay", "gossip")]
    [InlineData("nodus: --tls: 'maybe' is not one of", "node", "--tls", "maybe")]
    [InlineData("nodus: --tls-allow: 'abc' is not a SHA-256 fingerprint (64 hex digits)", "node", "--tls", "require", "--tls-allow", "abc")]
    [InlineData("nodus: --tls-allow: needs --tls require", "node", "--tls", "on", "--tls-allow", "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")]
    [InlineData("nodus: --tls-keep-cert: needs --tls on or require", "node", "--tls-keep-cert")]
    [InlineData("nodus: --mine-interval: needs --mine", "node", "--mine-interval", "5")]
    [InlineData("nodus: --mine-interval: 'soon' is not a number of seconds", "node", "--mine", "--mine-interval", "soon")]
    [InlineData("nodus: --connect: 'nowhere' is not IP[:PORT]", "node", "--connect", "nowhere")]
    [InlineData("nodus: Unrecognized command or argument '--bogus'", "node", "--bogus")]
    [InlineData("nodus: --rpc: '127.0.0.1' is not IP:PORT", "rpc", "--rpc", "127.0.0.1", "getpeerinfo")]
    public async Task BadOption_PrintsOneLine_ExitsNonZero(string expected, params string[] args)
    {
        var result = await RunNodusAsync(args);
        Assert.NotEqual(0, result.ExitCode);
        Assert.StartsWith(expected, result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Fact(Timeout = 30_000)]
    public async Task Rpc_NoNodeRunning_ExplainsAndFails()
    {
        string dir = TestNet.TempDir();
        var result = await RunNodusAsync("rpc", "--datadir", dir, "getpeerinfo");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is a node running with this data directory?", result.Stderr, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task Help_NodeCommand_DocumentsEveryOption()
    {
        var root = await RunNodusAsync("--help");
        Assert.Equal(0, root.ExitCode);
        Assert.Contains("node", root.Stdout, StringComparison.Ordinal);
        Assert.Contains("rpc", root.Stdout, StringComparison.Ordinal);

        var node = await RunNodusAsync("node", "--help");
        Assert.Equal(0, node.ExitCode);
        foreach (string option in new[] { "--network", "--datadir", "--listen", "--rpc", "--connect", "--addnode", "--seednode", "--dns-seed", "--dns-seed-listen", "--seed", "--no-seeds",
                     "--relay", "--tls", "--tls-allow", "--tls-keep-cert", "--mine", "--mine-interval", "--log-level" })
            Assert.Contains(option, node.Stdout, StringComparison.Ordinal);
    }

    internal sealed class NodusProcess(Process process) : IDisposable
    {
        public Process Process { get; } = process;
        public StringBuilder Output { get; } = new();

        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }

    internal static NodusProcess StartNodus(params string[] args)
    {
        var process = new Process { StartInfo = StartInfo(args) };
        var started = new NodusProcess(process);
        process.OutputDataReceived += (_, e) => { lock (started.Output) started.Output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (started.Output) started.Output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    [Fact(Timeout = 60_000)]
    public async Task Sim_RunsInAChildWithTheGcBudget_WritesTheReportAndProfile_AndFailsCleanlyOnABadPreset()
    {
        string dir = TestNet.TempDir();
        var run = await RunNodusAsync("sim", "--preset", "handshake", "--nodes", "40", "--no-trace", "--profile", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("GC gen-0 budget 0x8000000 (DOTNET_GCgen0size), tier-up delay 0 ms (DOTNET_TC_CallCountingDelayMs)",
            run.Stderr, StringComparison.Ordinal);
        string report = Path.Combine(dir, "report.json");
        Assert.Contains(report, run.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"nodes\": 40", File.ReadAllText(report), StringComparison.Ordinal);

        // --profile: every event of the run is in the cost table, messages by their command.
        Assert.Contains("where the event loop's time went", run.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"handshake/\S+:\s+verack\s+\d", run.Stderr);
        var total = System.Text.RegularExpressions.Regex.Match(run.Stderr, @":\s+total\s+([\d,]+)\s");
        var events = System.Text.RegularExpressions.Regex.Match(run.Stderr, @": ([\d,]+) events, [\d.]+ virtual s");
        Assert.True(total.Success && events.Success, run.Stderr);
        Assert.Equal(events.Groups[1].Value, total.Groups[1].Value);

        // The child's exit code and its one-line error come back through the parent.
        var bad = await RunNodusAsync("sim", "--preset", "no-such-preset");
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("nodus sim: unknown preset 'no-such-preset' (try --list)", bad.Stderr.Trim());
        var seeds = await RunNodusAsync("sim", "--preset", "relay-compare", "--dns-seeds", "2");
        Assert.Equal(2, seeds.ExitCode);
        Assert.Equal("nodus sim: topology.dnsSeeds needs a network grown by discovery (topology.kind discovery, not bitcoin)", seeds.Stderr.Trim());
    }

    [Fact(Timeout = 60_000)]
    public async Task Sim_DnsSeedsFromTheCommandLine_AnswerTheNodesOfAGrownNetwork()
    {
        string dir = TestNet.TempDir();
        var run = await RunNodusAsync("sim", "--preset", "discovery", "--nodes", "120", "--duration", "20", "--dns-seeds", "2",
            "--bootnode-max-connections", "125", "--no-trace", "--out", dir);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "report.json")));
        var seeds = report.RootElement.GetProperty("cases")[0].GetProperty("discovery").GetProperty("dnsSeeds");
        Assert.Equal(2, seeds.GetProperty("seeds").GetInt32());
        Assert.True(seeds.GetProperty("queries").GetInt64() > 100, seeds.ToString());
        var topology = report.RootElement.GetProperty("scenario").GetProperty("topology");
        Assert.Equal(125, topology.GetProperty("bootnodeMaxConnections").GetInt32());
        Assert.Equal(2, topology.GetProperty("dnsSeeds").GetInt32());
    }

    internal static async Task<(int ExitCode, string Stdout, string Stderr)> RunNodusAsync(params string[] args)
    {
        using var process = Process.Start(StartInfo(args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TestNet.Patience);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static ProcessStartInfo StartInfo(string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(NodusDll);
        foreach (string arg in args) info.ArgumentList.Add(arg);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return info;
    }
}
