using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Nodus.Core;
using Nodus.Core.Chain;
using Nodus.Net.Rpc;
using Nodus.Wire.Framing;
using Nodus.Wire.Messages;
using Nodus.Wire.Types;
using Xunit;
using Xunit.Abstractions;

namespace Nodus.Net.Tests;

/// <summary>
/// Nodus on bitcoin-regtest judged by tools that are not Nodus code: bitcore-p2p/bitcore-lib (interop/check.js),
/// bcoin (interop/bcoin-check.js) and Wireshark's Bitcoin dissector (tshark). Two <c>nodus node</c> processes, the second connected to the first,
/// which has mined 20 blocks. See docs/interop.md.
/// </summary>
public class InteropTests(InteropTests.TwoNodes nodes, ITestOutputHelper output) : IClassFixture<InteropTests.TwoNodes>
{
    private const int Height = 20;

    /// <summary>Commands Bitcoin defines that Wireshark 4.0's dissector does not know (BIP 130, 133, 152, 155, 339).</summary>
    private static readonly HashSet<string> CommandsUnknownToWireshark = ["sendheaders", "wtxidrelay", "sendaddrv2", "feefilter", "sendcmpct"];

    [NodeJsFact(Timeout = 180_000)]
    public async Task Bitcore_HandshakePingHeadersBlocksGetBlocksAndTxRelay_ByteIdentical()
    {
        var result = await RunCheckAsync(withTransaction: true);
        Assert.True(result.ExitCode == 0, $"interop/check.js failed:\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("interop: OK", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("byte-identical", result.Stdout, StringComparison.Ordinal);
    }

    [NodeJsFact(Timeout = 180_000)]
    public async Task Bcoin_HeadersBlocksCheckBodyAndSegwitRelay_ByteIdentical()
    {
        var result = await RunCheckAsync(withTransaction: true, script: "bcoin-check.js");
        Assert.True(result.ExitCode == 0, $"interop/bcoin-check.js failed:\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("bcoin-check: OK", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("served with its witness, byte-identical", result.Stdout, StringComparison.Ordinal);
    }

    /// <summary>The checker is not vacuous: a wrong magic or a corrupted payload from the "node" fails it.</summary>
    [NodeJsTheory(Timeout = 60_000)]
    [InlineData(false, "bad magic")]
    [InlineData(true, "bad checksum")]
    public async Task Bitcore_CorruptedVersionFrame_CheckFails(bool bitcoinMagicCorruptPayload, string expected)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var check = RunAsync("node", Path.Combine(InteropDir, "check.js"), "--port",
            ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture), "--height", "0");
        using var socket = await listener.AcceptSocketAsync();
        var version = new VersionMessage
        {
            Version = NodeOptions.CurrentProtocolVersion, Services = NodeOptions.NodeNetwork, Timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            Receiver = new NetAddress(new IPEndPoint(IPAddress.Loopback, 0), 0), Sender = new NetAddress(new IPEndPoint(IPAddress.IPv6Any, 0), 0),
            Nonce = 42, UserAgent = "/Nodus:0.1.0/", StartHeight = 0, Relay = true,
        };
        // Nodus's own regtest magic is not Bitcoin's; a flipped payload byte breaks the checksum.
        byte[] frame = FrameWriter.Serialize(bitcoinMagicCorruptPayload ? Networks.BitcoinRegtest.Magic : Networks.Regtest.Magic, version).ToArray();
        if (bitcoinMagicCorruptPayload) frame[30] ^= 1;
        await socket.SendAsync(frame);
        var result = await check;
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
    }

    [TsharkFact(Timeout = 180_000)]
    public async Task Wireshark_CapturedHandshakeHeadersAndBlocks_DissectedAsBitcoinWithoutErrors()
    {
        string capture = Path.Combine(TestNet.TempDir(), "bitcoin-regtest.pcapng");
        string port = nodes.P2pPort1.ToString(CultureInfo.InvariantCulture);
        using var tshark = Start("tshark", "-i", "lo", "-f", $"tcp port {port}", "-w", capture);
        // tshark says so on stderr once dumpcap captures; traffic before that would be lost.
        await TestNet.WaitUntilAsync(() => Task.FromResult(tshark.Output.ToString().Contains("Capturing on", StringComparison.Ordinal)),
            "tshark is capturing");
        var check = await RunCheckAsync(withTransaction: false);
        Assert.True(check.ExitCode == 0, $"interop/check.js failed:\n{check.Stdout}\n{check.Stderr}");
        await Task.Delay(1000);
        using (var interrupt = Process.Start("kill", ["-INT", tshark.Process.Id.ToString(CultureInfo.InvariantCulture)]))
            await interrupt.WaitForExitAsync();
        await tshark.Process.WaitForExitAsync().WaitAsync(TestNet.Patience);

        string decodeAs = $"tcp.port=={port},bitcoin";
        var fields = await RunAsync("tshark", "-r", capture, "-d", decodeAs, "-Y", "bitcoin", "-T", "fields", "-E", "separator=|",
            "-e", "bitcoin.command", "-e", "_ws.expert.message", "-e", "_ws.malformed", "-e", "bitcoin.magic");
        Assert.True(fields.ExitCode == 0, fields.Stderr);
        output.WriteLine(fields.Stdout);

        var commands = new List<string>();
        foreach (string line in fields.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] columns = line.Split('|');
            string[] frameCommands = columns[0].Split(',');
            commands.AddRange(frameCommands);
            Assert.True(columns[2].Length == 0, $"malformed packet: {line}");
            // The dissector shows the magic in wire order: Bitcoin regtest's fa bf b5 da.
            Assert.All(columns[3].Split(','), magic => Assert.Equal("0xfabfb5da", magic));
            // The only expert note allowed is the dissector not knowing a command Bitcoin defines after Wireshark 4.0.
            foreach (string note in columns[1].Split(',', StringSplitOptions.RemoveEmptyEntries))
                Assert.True(note == "Unknown command" && frameCommands.Any(CommandsUnknownToWireshark.Contains), $"expert info: {line}");
        }
        foreach (string expected in new[] { "version", "verack", "ping", "pong", "getaddr", "getheaders", "headers", "getdata", "getblocks", "inv" })
            Assert.Contains(expected, commands);
        Assert.Equal(Height, commands.Count(c => c == "block"));

        // The dissector's own reading of the fields: both versions 70016, the node's start height, 20 headers each
        // followed by a transaction count of 0.
        var values = await RunAsync("tshark", "-r", capture, "-d", decodeAs, "-Y", "bitcoin.version || bitcoin.headers.count", "-T", "fields",
            "-E", "separator=|", "-e", "bitcoin.version.version", "-e", "bitcoin.version.start_height", "-e", "bitcoin.headers.count");
        output.WriteLine(values.Stdout);
        string[] rows = values.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["70016|0|", "70016|20|"], rows.Where(r => !r.StartsWith('|')).Select(r => r.Trim()).Order());
        string headersCounts = Assert.Single(rows, r => r.StartsWith("||", StringComparison.Ordinal))[2..].Trim();
        Assert.Equal(string.Join(',', new[] { Height }.Concat(Enumerable.Repeat(0, Height))), headersCounts);

        // Every TCP segment with payload is part of a message the dissector read as bitcoin.
        var undissected = await RunAsync("tshark", "-r", capture, "-d", decodeAs, "-Y", "tcp.len > 0 && !bitcoin && !tcp.reassembled_in");
        Assert.True(undissected.ExitCode == 0 && undissected.Stdout.Trim().Length == 0, $"segments not dissected as bitcoin:\n{undissected.Stdout}");
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> RunCheckAsync(bool withTransaction, string script = "check.js")
    {
        var args = new List<string> { Path.Combine(InteropDir, script), "--port", nodes.P2pPort1.ToString(CultureInfo.InvariantCulture),
            "--height", Height.ToString(CultureInfo.InvariantCulture) };
        if (withTransaction)
        {
            string rpc = System.Text.Json.JsonSerializer.Serialize(new[] { "dotnet", CliTests.NodusDll, "rpc", "--datadir", nodes.DataDir1 });
            args.AddRange(["--relay-port", nodes.P2pPort2.ToString(CultureInfo.InvariantCulture), "--nodus-rpc", rpc]);
        }
        return RunAsync("node", [.. args]);
    }

    internal static string InteropDir { get; } = FindInteropDir();

    private static string FindInteropDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "interop", "check.js"))) return Path.Combine(dir.FullName, "interop");
        throw new InvalidOperationException("interop/check.js not found above " + AppContext.BaseDirectory);
    }

    private static CliTests.NodusProcess Start(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args) info.ArgumentList.Add(arg);
        var process = new Process { StartInfo = info };
        var started = new CliTests.NodusProcess(process);
        process.OutputDataReceived += (_, e) => { lock (started.Output) started.Output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (started.Output) started.Output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    internal static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = InteropDir };
        foreach (string arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return (process.ExitCode, await stdout, await stderr);
    }

    internal static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, program)));

    /// <summary>Node 1 mines 20 blocks; node 2 connects to it. Installs interop/'s npm packages when missing.</summary>
    public sealed class TwoNodes : IAsyncLifetime
    {
        private CliTests.NodusProcess? _node1, _node2;

        public string DataDir1 { get; } = TestNet.TempDir();
        public string DataDir2 { get; } = TestNet.TempDir();
        public int P2pPort1 { get; } = TestNet.FreePort();
        public int P2pPort2 { get; } = TestNet.FreePort();

        public async Task InitializeAsync()
        {
            if (OnPath("npm") && !Directory.Exists(Path.Combine(InteropDir, "node_modules", "bcoin")))
            {
                var install = await RunAsync("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error");
                if (install.ExitCode != 0) throw new InvalidOperationException("npm ci in interop/ failed: " + install.Stderr);
            }
            _node1 = CliTests.StartNodus("node", "--network", "bitcoin-regtest", "--datadir", DataDir1, "--no-seeds",
                "--listen", $"127.0.0.1:{P2pPort1}", "--rpc", $"127.0.0.1:{TestNet.FreePort()}");
            await TestNet.WaitUntilAsync(() => Task.FromResult(File.Exists(Path.Combine(DataDir1, RpcCookie.FileName))), "node 1 is up");
            var generate = await CliTests.RunNodusAsync("rpc", "--datadir", DataDir1, "generate", Height.ToString(CultureInfo.InvariantCulture));
            if (generate.ExitCode != 0) throw new InvalidOperationException("generate failed: " + generate.Stderr);
            _node2 = CliTests.StartNodus("node", "--network", "bitcoin-regtest", "--datadir", DataDir2, "--no-seeds",
                "--listen", $"127.0.0.1:{P2pPort2}", "--rpc", $"127.0.0.1:{TestNet.FreePort()}", "--connect", $"127.0.0.1:{P2pPort1}");
            await TestNet.WaitUntilAsync(async () =>
            {
                var count = await CliTests.RunNodusAsync("rpc", "--datadir", DataDir2, "getblockcount");
                return count.ExitCode == 0 && count.Stdout.Trim() == Height.ToString(CultureInfo.InvariantCulture);
            }, "node 2 synced node 1's blocks", TimeSpan.FromSeconds(60));
        }

        public Task DisposeAsync()
        {
            _node2?.Dispose();
            _node1?.Dispose();
            return Task.CompletedTask;
        }
    }
}

/// <summary>A fact that runs only where Node.js and npm are installed (test.sh and CI have them).</summary>
public sealed class NodeJsFactAttribute : FactAttribute
{
    public NodeJsFactAttribute()
    {
        if (!InteropTests.OnPath("node") || !InteropTests.OnPath("npm")) Skip = "node and npm are not on PATH: install Node.js to run the bitcore interop check";
    }
}

/// <summary>A theory that runs only where Node.js and npm are installed.</summary>
public sealed class NodeJsTheoryAttribute : TheoryAttribute
{
    public NodeJsTheoryAttribute()
    {
        if (!InteropTests.OnPath("node") || !InteropTests.OnPath("npm")) Skip = "node and npm are not on PATH: install Node.js to run the bitcore interop check";
    }
}

/// <summary>A fact that runs only where tshark (and Node.js for the traffic) is installed; test.sh installs tshark.</summary>
public sealed class TsharkFactAttribute : FactAttribute
{
    public TsharkFactAttribute()
    {
        if (!InteropTests.OnPath("tshark")) Skip = "tshark is not installed (test.sh installs it with apt-get; it could not here)";
        else if (!InteropTests.OnPath("node") || !InteropTests.OnPath("npm")) Skip = "node and npm are not on PATH: they produce the captured traffic";
    }
}
