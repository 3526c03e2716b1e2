using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Nodus.Core;
using Nodus.Core.Discovery;

namespace Nodus.Net.Seeder;

/// <summary>Where and under which name a node serves its address book as a DNS seed.</summary>
public sealed record DnsSeederOptions
{
    /// <summary>The seed's host name (e.g. seed.example.org): the zone the node is authoritative for.</summary>
    public required string Name { get; init; }

    /// <summary>Whether <paramref name="name"/> is a host name a seed can serve (letters, digits and hyphens in
    /// labels of 1–63, at most 253 characters); <paramref name="problem"/> says what is wrong.</summary>
    public static bool IsValidName(string name, out string? problem)
    {
        problem = null;
        string trimmed = name.TrimEnd('.');
        if (trimmed.Length is 0 or > DnsMessage.MaxNameLength - 2) problem = "a host name has 1 to 253 characters";
        else if (trimmed.Split('.').FirstOrDefault(l => l.Length is 0 or > DnsMessage.MaxLabelLength
                     || l.StartsWith('-') || l.EndsWith('-') || !l.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')) is { } bad)
            problem = $"'{bad}' is not a host name label (1 to 63 letters, digits or inner hyphens)";
        return problem is null;
    }
    public required IPEndPoint Listen { get; init; }
}

/// <summary>
/// A DNS seed served from the node's own address book, in the role of Bitcoin's DNS seeders (sipa's bitcoin-seeder):
/// a new node asks DNS for the seed's name and gets addresses of nodes that were recently reachable. It answers A and
/// AAAA queries for <see cref="DnsSeederOptions.Name"/>, and for x&lt;hex&gt;.NAME with only the nodes whose
/// services include those bits (the seeders' service-flag filter), with a random set of good addresses each time.
/// Which addresses are good is <see cref="SeedSelection"/>'s (the simulator's seeds use it too); the node serving the
/// seed crawls to find and re-test them (<see cref="DiscoveryOptions.Crawl"/>).
/// </summary>
public sealed partial class DnsSeeder : IAsyncDisposable
{
    /// <summary>Answers change often, so resolvers should not hold them long (bitcoin-seeder's default is 1 hour; a
    /// minute lets a small network's seed follow its churn).</summary>
    public const uint AnswerTtlSeconds = 60;
    /// <summary>The good addresses are read from the node's loop at most this often, not once per query.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(10);
    /// <summary>Answers per second at most; further datagrams are dropped until the next second. A UDP answer is up to
    /// 15 times its query, so an unbounded seed could be used to flood a forged source address; this bounds the
    /// flood, and the CPU the node spends, at about 0.5 MB/s.</summary>
    public const int MaxAnswersPerSecond = 1_000;
    /// <summary>A service filter label, x&lt;hex&gt;: 'x' and at most 16 hex digits (the 64 service bits).</summary>
    private const int MaxFilterLabelLength = 1 + 16;

    private readonly DnsSeederOptions _options;
    private readonly Func<Task<IReadOnlyList<(IPAddress Address, ulong Services)>>> _goodAddresses;
    private readonly ILogger _log;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly string _name;
    private Task? _loop;
    private IReadOnlyList<(IPAddress Address, ulong Services)> _candidates = [];
    private DateTime _refreshedAt = DateTime.MinValue;
    private long _second;
    private int _answeredThisSecond;

    private DnsSeeder(DnsSeederOptions options, Func<Task<IReadOnlyList<(IPAddress, ulong)>>> goodAddresses, ILogger log)
    {
        _options = options;
        _name = options.Name.TrimEnd('.').ToLowerInvariant();
        _goodAddresses = goodAddresses;
        _log = log;
        _socket = new Socket(options.Listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;
    public long QueriesAnswered { get; private set; }
    /// <summary>Datagrams dropped by <see cref="MaxAnswersPerSecond"/>.</summary>
    public long QueriesDropped { get; private set; }

    /// <summary>Binds the UDP socket (throws <see cref="IOException"/> when the address is taken) and serves
    /// until disposed. <paramref name="goodAddresses"/> runs on the node's loop.</summary>
    public static DnsSeeder Start(DnsSeederOptions options, Func<Task<IReadOnlyList<(IPAddress, ulong)>>> goodAddresses, ILogger log)
    {
        var seeder = new DnsSeeder(options, goodAddresses, log);
        try { seeder._socket.Bind(options.Listen); }
        catch (SocketException e)
        {
            seeder._socket.Dispose();
            throw new IOException($"cannot serve the DNS seed on udp {options.Listen}: {e.Message}", e);
        }
        seeder._loop = Task.Run(seeder.ServeAsync);
        LogServing(log, seeder._name, seeder.LocalEndPoint);
        return seeder;
    }

    private async Task ServeAsync()
    {
        var buffer = new byte[DnsMessage.MaxUdpSize];
        EndPoint any = new IPEndPoint(_options.Listen.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try { received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException e)
            {
                // A datagram longer than the buffer, or an ICMP error from an earlier reply: skip it.
                LogReceiveFailed(_log, e.SocketErrorCode);
                continue;
            }
            if (!WithinRate(Environment.TickCount64 / 1000))
            {
                QueriesDropped++;
                continue;
            }
            try
            {
                var reply = await AnswerAsync(buffer.AsMemory(0, received.ReceivedBytes)).ConfigureAwait(false);
                if (reply is not null) await _socket.SendToAsync(reply, SocketFlags.None, received.RemoteEndPoint, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; } // disposed while replying: the seed is stopping
            catch (SocketException e) { LogReplyFailed(_log, received.RemoteEndPoint, e.SocketErrorCode); }
            catch (Exception e)
            {
                // A fault in answering one datagram must not stop the seed (nor fault DisposeAsync): log it, serve on.
                LogAnswerFailed(_log, received.RemoteEndPoint, e);
            }
        }
    }

    /// <summary>Whether one more datagram may be answered in <paramref name="second"/> (a counter per second).</summary>
    public bool WithinRate(long second)
    {
        if (second != _second)
        {
            _second = second;
            _answeredThisSecond = 0;
        }
        return ++_answeredThisSecond <= MaxAnswersPerSecond;
    }

    /// <summary>The reply to one datagram, or null when it deserves none.</summary>
    public async Task<byte[]?> AnswerAsync(ReadOnlyMemory<byte> datagram)
    {
        if (!DnsMessage.TryReadQuery(datagram.Span, out var query, out var error))
        {
            if (error is { } code)
            {
                LogMalformed(_log, code);
                return DnsMessage.WriteError(datagram.Span, code);
            }
            return null;
        }
        QueriesAnswered++;
        if (query!.Class is not (DnsMessage.ClassIn or DnsMessage.ClassAny)) return DnsMessage.WriteAnswer(query, DnsRcode.Refused, [], 0);
        if (!InZone(query.Name, out ulong? services)) return DnsMessage.WriteAnswer(query, DnsRcode.Refused, [], 0);
        if (services is null) return DnsMessage.WriteAnswer(query, DnsRcode.NameError, [], 0);
        var family = query.Type switch
        {
            (ushort)DnsType.A => AddressFamily.InterNetwork,
            (ushort)DnsType.Aaaa => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unknown, // NS, SOA, ANY…: the name exists, with no such records here
        };
        if (family == AddressFamily.Unknown) return DnsMessage.WriteAnswer(query, DnsRcode.NoError, [], 0);
        var candidates = await CandidatesAsync().ConfigureAwait(false);
        var chosen = candidates.Where(c => c.Address.AddressFamily == family && (c.Services & services.Value) == services.Value)
            .Select(c => c.Address).ToArray();
        Random.Shared.Shuffle(chosen); // each asker gets a different sample
        return DnsMessage.WriteAnswer(query, DnsRcode.NoError, chosen, AnswerTtlSeconds);
    }

    /// <summary>Whether <paramref name="name"/> is in the seed's zone; <paramref name="services"/> is the filter it
    /// asks for (0 for the bare name), null for a name in the zone that does not exist.</summary>
    private bool InZone(string name, out ulong? services)
    {
        services = null;
        if (name == _name)
        {
            services = 0;
            return true;
        }
        if (!name.EndsWith("." + _name, StringComparison.Ordinal)) return false;
        string label = name[..^(_name.Length + 1)];
        if (label.Length is > 1 and <= MaxFilterLabelLength && label[0] == 'x'
            && ulong.TryParse(label.AsSpan(1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong bits))
            services = bits;
        return true;
    }

    private async Task<IReadOnlyList<(IPAddress Address, ulong Services)>> CandidatesAsync()
    {
        if (DateTime.UtcNow - _refreshedAt < RefreshInterval) return _candidates;
        try
        {
            _candidates = await _goodAddresses().ConfigureAwait(false);
            _refreshedAt = DateTime.UtcNow;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The node is stopping: answer from what we had.
        }
        return _candidates;
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "DNS seed {Name} served on udp {EndPoint}")]
    private static partial void LogServing(ILogger log, string name, IPEndPoint endPoint);
    [LoggerMessage(EventId = 41, Level = LogLevel.Debug, Message = "DNS seed: receive failed: {Error}")]
    private static partial void LogReceiveFailed(ILogger log, SocketError error);
    [LoggerMessage(EventId = 42, Level = LogLevel.Debug, Message = "DNS seed: reply to {Remote} failed: {Error}")]
    private static partial void LogReplyFailed(ILogger log, EndPoint remote, SocketError error);
    [LoggerMessage(EventId = 44, Level = LogLevel.Warning, Message = "DNS seed: answering {Remote} failed")]
    private static partial void LogAnswerFailed(ILogger log, EndPoint remote, Exception error);
    [LoggerMessage(EventId = 43, Level = LogLevel.Debug, Message = "DNS seed: malformed query answered with {Code}")]
    private static partial void LogMalformed(ILogger log, DnsRcode code);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _socket.Dispose();
        if (_loop is not null) await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
