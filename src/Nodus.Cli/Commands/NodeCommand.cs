using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Nodus.Core;
using Nodus.Core.Chain;
using Nodus.Core.Discovery;
using Nodus.Net.Seeder;
using Nodus.Core.Relay;
using Nodus.Core.Sync;
using Nodus.Net.Runtime;

namespace Nodus.Cli.Commands;

/// <summary><c>nodus node</c>: runs a node until Ctrl+C, SIGTERM or <c>nodus rpc stop</c>.</summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var network = CliOptions.Network();
        var dataDir = CliOptions.DataDir("Data directory: cookie, lock, chain and address book (default: ~/.nodus/NETWORK); created if missing");
        var listen = CliOptions.EndPoint("--listen", "Accept peers on IP:PORT (default: 0.0.0.0 on the network's port, as bitcoind; port 0 picks a free one)");
        var rpc = CliOptions.EndPoint("--rpc", "Serve JSON-RPC on IP:PORT (default: 127.0.0.1 on the network's RPC port)");
        var connect = CliOptions.EndPoints("--connect", "Connect only to this peer, IP[:PORT]; repeatable (disables automatic outbound connections)");
        var addNode = CliOptions.EndPoints("--addnode", "Also keep a connection to this peer, IP[:PORT]; repeatable");
        var seedNode = CliOptions.EndPoints("--seednode", "Connect to this peer only to ask it for addresses, then disconnect (addr-fetch), IP[:PORT]; repeatable");
        var dnsSeed = new Option<string?>("--dns-seed")
        {
            Description = "Serve this node's address book as a DNS seed under this host name (A/AAAA answers of recently reachable peers; x<hex>.NAME filters by service bits)",
            HelpName = "NAME",
        };
        var dnsSeedListen = CliOptions.EndPoint("--dns-seed-listen", "Answer the DNS seed's queries on udp IP:PORT (default: 0.0.0.0:53)");
        var dnsServer = CliOptions.EndPoint("--dns-server",
            "Ask this DNS server for the --seed names instead of the system's resolver, IP[:PORT] (default port 53): e.g. a devnet's seed served with --dns-seed-listen", portOptional: true);
        var seed = new Option<string[]>("--seed") { Description = "DNS seed host name to discover peers; repeatable (replaces the network's seeds)", Arity = ArgumentArity.ZeroOrMore, HelpName = "HOST" };
        var noSeeds = new Option<bool>("--no-seeds") { Description = "Never ask DNS or hard-coded seeds for peers (the address book, --connect and --addnode only)" };
        var allowLocal = new Option<bool>("--allow-local-addresses") { Description = "Treat loopback and private addresses as routable, each IPv4 address its own network group (always on for regtest)" };
        var relay = Choice("--relay", ["flood", "diffusion", "dandelion"], "Transaction relay: flood, diffusion or dandelion (default: diffusion, as Bitcoin Core)");
        var tls = Choice("--tls", ["off", "on", "require"],
            "Encrypt peer connections: off (plain TCP, Bitcoin's bytes), on (TLS with peers that speak it, plain with the others) or require (TLS only) (default: off)");
        var tlsAllow = new Option<string[]>("--tls-allow")
        {
            Description = "Admit only the peer whose TLS certificate has this SHA-256 fingerprint (64 hex digits, as getnetworkinfo's tlsfingerprint); repeatable; needs --tls require; keeps this node's certificate in DATADIR/tls.pfx",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
            HelpName = "FINGERPRINT",
            CustomParser = r =>
            {
                var fingerprints = new List<string>();
                foreach (var token in r.Tokens)
                {
                    if (TlsCertificates.TryParseFingerprint(token.Value, out string? fingerprint)) fingerprints.Add(fingerprint!);
                    else
                    {
                        r.AddError($"--tls-allow: '{token.Value}' is not a SHA-256 fingerprint (64 hex digits)");
                        return [];
                    }
                }
                return [.. fingerprints];
            },
        };
        var tlsKeepCert = new Option<bool>("--tls-keep-cert")
        {
            Description = "Keep the TLS certificate in DATADIR/tls.pfx across restarts (a stable fingerprint for peers to list) instead of a new one at every start",
        };
        var mine = new Option<bool>("--mine") { Description = "Mine blocks at random (Poisson) intervals" };
        var mineInterval = new Option<double?>("--mine-interval")
        {
            Description = "Mean seconds between mined blocks, with --mine (default: 10 on regtest networks, the network's block spacing elsewhere)",
            HelpName = "S",
            CustomParser = r =>
            {
                string value = r.Tokens[0].Value;
                if (double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double s) && s > 0 && s <= MaxMineIntervalSeconds)
                    return s;
                r.AddError($"--mine-interval: '{value}' is not a number of seconds between 0 and {MaxMineIntervalSeconds}");
                return null;
            },
        };
        var compactBlocks = new Option<string>("--compact-blocks")
        {
            Description = "Relay blocks near the tip as BIP 152 compact blocks (on, as Bitcoin Core) or always whole (off)",
            HelpName = "on|off",
            DefaultValueFactory = _ => "on",
        };
        compactBlocks.AcceptOnlyFromAmong("on", "off");
        var logLevel = CliOptions.LogLevelOption();

        var command = new Command("node", "Run a node: listen for peers, connect to peers, serve JSON-RPC.")
        {
            network, dataDir, listen, rpc, connect, addNode, seedNode, dnsSeed, dnsSeedListen, dnsServer, seed, noSeeds, allowLocal, relay, tls, tlsAllow, tlsKeepCert, mine, mineInterval, compactBlocks, logLevel,
        };
        command.SetAction(async (result, _) =>
        {
            // Option combinations that cannot work are refused with one line, never silently ignored.
            var tlsMode = TlsModes.Parse(result.GetValue(tls) ?? "off");
            string[] allowed = result.GetValue(tlsAllow) ?? [];
            if (allowed.Length > 0 && tlsMode != TlsMode.Require)
                return CommandLineRunner.Fail("--tls-allow: needs --tls require (a plain connection would bypass the allowlist)");
            if (result.GetValue(tlsKeepCert) && tlsMode == TlsMode.Off) return CommandLineRunner.Fail("--tls-keep-cert: needs --tls on or require");
            if (result.GetValue(mineInterval) is not null && !result.GetValue(mine)) return CommandLineRunner.Fail("--mine-interval: needs --mine");
            string? seedName = result.GetValue(dnsSeed);
            if (result.GetValue(dnsSeedListen) is not null && seedName is null) return CommandLineRunner.Fail("--dns-seed-listen: needs --dns-seed NAME");
            if (seedName is not null && !DnsSeederOptions.IsValidName(seedName, out string? problem)) return CommandLineRunner.Fail($"--dns-seed: {problem}");
            if (seedName is not null && result.GetValue(connect)!.Length > 0) return CommandLineRunner.Fail("--dns-seed: cannot be used with --connect (a seed needs the address book of automatic connections)");

            var net = NetworkParams.Get(result.GetValue(network)!);
            long? mining = result.GetValue(mine)
                ? Time.FromSeconds(result.GetValue(mineInterval) ?? DefaultMineIntervalSeconds(net))
                : null;
            string dir = Path.GetFullPath(result.GetValue(dataDir) ?? CliOptions.DefaultDataDir(net.Name));
            var listenAt = result.GetValue(listen) ?? new IPEndPoint(IPAddress.Any, net.DefaultPort);
            var rpcAt = result.GetValue(rpc) ?? new IPEndPoint(IPAddress.Loopback, net.DefaultRpcPort);
            var nodeOptions = new NodeOptions
            {
                Connect = [.. result.GetValue(connect)!.Select(e => CliOptions.WithDefaultPort(e, net.DefaultPort))],
                AddNodes = [.. result.GetValue(addNode)!.Select(e => CliOptions.WithDefaultPort(e, net.DefaultPort))],
            };
            var fullOptions = new FullNodeOptions
            {
                Node = nodeOptions,
                Relay = new RelayOptions { Policy = result.GetValue(relay) is { } policy ? RelayPolicyKinds.Parse(policy) : RelayPolicyKinds.Default },
                MineInterval = mining,
                Sync = new SyncOptions { CompactBlocks = result.GetValue(compactBlocks) != "off" },
                Discovery = DiscoveryOptions.ForNetwork(net) with
                {
                    DnsSeeds = result.GetValue(seed) is { Length: > 0 } seeds ? seeds : net.DnsSeeds,
                    UseSeeds = !result.GetValue(noSeeds),
                    SeedNodes = [.. result.GetValue(seedNode)!.Select(e => CliOptions.WithDefaultPort(e, net.DefaultPort))],
                    AutomaticOutbound = nodeOptions.Connect.Count == 0, // -connect means only these peers, as Bitcoin Core
                    AllowLocalAddresses = DiscoveryOptions.ForNetwork(net).AllowLocalAddresses || result.GetValue(allowLocal),
                    ListenAddress = listenAt.Address.Equals(IPAddress.Any) || listenAt.Address.Equals(IPAddress.IPv6Any) ? null : listenAt,
                },
            };
            var options = new NodeDaemonOptions
            {
                DataDir = dir,
                Rpc = rpcAt,
                DefaultPort = net.DefaultPort,
                Network = net,
                Full = fullOptions,
                KeepTlsCertificate = result.GetValue(tlsKeepCert),
                DnsSeeder = seedName is null ? null : new DnsSeederOptions
                {
                    Name = seedName,
                    Listen = result.GetValue(dnsSeedListen) ?? new IPEndPoint(IPAddress.Any, DefaultDnsPort),
                },
                Host = new NodeHostOptions
                {
                    Magic = net.Magic,
                    Listen = listenAt,
                    Node = nodeOptions,
                    Tls = new TlsOptions { Mode = tlsMode, AllowedFingerprints = allowed.ToHashSet(StringComparer.Ordinal) },
                    ResolveHost = result.GetValue(dnsServer) is { } server
                        ? (host, cancel) => DnsClient.ResolveAsync(CliOptions.WithDefaultPort(server, DefaultDnsPort), host, cancel)
                        : NodeHostOptions.SystemResolver,
                },
            };
            return await RunAsync(options, result.GetValue(logLevel)).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>DNS's port (RFC 1035): where resolvers ask an authoritative seed.</summary>
    private const int DefaultDnsPort = 53;

    /// <summary>A bound on --mine-interval: one block a day is the slowest schedule worth running.</summary>
    private const double MaxMineIntervalSeconds = 86_400;

    /// <summary>Regtest blocks cost nothing to mine; one every 10 s keeps a local network lively.</summary>
    private const double RegtestMineIntervalSeconds = 10;

    private static double DefaultMineIntervalSeconds(NetworkParams net) =>
        net.Name.EndsWith("regtest", StringComparison.Ordinal) ? RegtestMineIntervalSeconds : net.TargetSpacingSeconds;

    private static async Task<int> RunAsync(NodeDaemonOptions options, LogLevel level)
    {
        // The sync progress line and the log share the terminal: log lines erase the progress line first.
        var status = new TerminalStatusLine(Console.Out);
        using var loggerFactory = LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(level).AddConsole(o => o.FormatterName = NodeLogFormatter.FormatterName);
            b.Services.AddSingleton(status);
            b.AddConsoleFormatter<NodeLogFormatter, ConsoleFormatterOptions>();
        });
        using var shutdown = new CancellationTokenSource();
        // First SIGINT/SIGTERM: stop cleanly. A second one while stopping falls through to the default (exit now).
        void OnSignal(PosixSignalContext context)
        {
            if (shutdown.IsCancellationRequested) return;
            context.Cancel = true;
            shutdown.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        NodeDaemon daemon;
        try
        {
            daemon = await NodeDaemon.StartAsync(options, loggerFactory).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            return CommandLineRunner.Fail(e.Message, 1);
        }
        catch (UnauthorizedAccessException e)
        {
            return CommandLineRunner.Fail($"cannot use data directory {options.DataDir}: {e.Message}", 1);
        }
        catch (ChainStoreException e)
        {
            return CommandLineRunner.Fail($"cannot open the chain in {options.DataDir}: {e.Message}", 1);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            return CommandLineRunner.Fail($"cannot open the chain database in {options.DataDir}: {e.Message}", 1);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            return CommandLineRunner.Fail($"cannot use the TLS certificate {Path.Combine(options.DataDir, TlsCertificates.FileName)}: {e.Message} (delete it to make a new one)", 1);
        }
        catch (SocketException e)
        {
            return CommandLineRunner.Fail($"--listen: cannot listen on {options.Host.Listen}: {e.Message}", 1);
        }
        catch (HttpListenerException e)
        {
            return CommandLineRunner.Fail($"--rpc: cannot serve RPC on {options.Rpc}: {e.Message}", 1);
        }
        // Progress while behind: redrawn in place on a terminal (when info lines would show), else logged every 10 s.
        var terminal = !Console.IsOutputRedirected && level <= LogLevel.Information ? status : null;
        var full = daemon.Full;
        await using (new SyncProgressReporter(daemon.Host, () => (full.Chain.Height, full.Chain.BestHeader.Height),
            loggerFactory.CreateLogger("Nodus.Sync"), terminal))
        {
            await daemon.RunAsync(shutdown.Token).ConfigureAwait(false);
        }
        return 0;
    }

    private static Option<string?> Choice(string name, string[] values, string description) => new(name)
    {
        Description = description,
        HelpName = string.Join('|', values),
        CustomParser = r =>
        {
            string value = r.Tokens[0].Value;
            if (values.Contains(value, StringComparer.Ordinal)) return value;
            r.AddError($"{name}: '{value}' is not one of {string.Join(", ", values)}");
            return null;
        },
    };
}
