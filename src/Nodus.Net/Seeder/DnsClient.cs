using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Nodus.Net.Seeder;

/// <summary>
/// Asks one DNS server directly for a host's A and AAAA records over UDP, as <c>dig @SERVER HOST</c> does
/// (<c>nodus node --dns-server</c>): for a DNS seed that no resolver of this machine knows, such as a devnet's seed on
/// a high port. Answers that are not ours (another id, not a response) are ignored; an error code or a malformed
/// answer gives no addresses.
/// </summary>
public static class DnsClient
{
    /// <summary>How long one query waits for its answer: a seed answers from memory, at once or not at all (the stub
    /// resolver's own default, resolv.conf, is 5 s).</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);
    /// <summary>Queries per record type before giving up: UDP may lose one (resolv.conf's default).</summary>
    public const int Attempts = 2;

    /// <summary>The host's IPv4 and IPv6 addresses from <paramref name="server"/>; throws
    /// <see cref="OperationCanceledException"/> when it never answers, <see cref="SocketException"/> when it refuses.</summary>
    public static async Task<IPAddress[]> ResolveAsync(IPEndPoint server, string host, CancellationToken cancel)
    {
        var answers = await Task.WhenAll(QueryAsync(server, host, DnsType.A, cancel), QueryAsync(server, host, DnsType.Aaaa, cancel))
            .ConfigureAwait(false);
        return [.. answers[0], .. answers[1]];
    }

    public static async Task<List<IPAddress>> QueryAsync(IPEndPoint server, string host, DnsType type, CancellationToken cancel)
    {
        using var udp = new UdpClient(server.AddressFamily);
        udp.Connect(server);
        for (int attempt = 1; ; attempt++)
        {
            ushort id = (ushort)Random.Shared.Next(ushort.MaxValue + 1);
            await udp.SendAsync(DnsMessage.WriteQuery(id, host, type), cancel).ConfigureAwait(false);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            wait.CancelAfter(AttemptTimeout);
            try
            {
                while (true)
                {
                    var reply = (await udp.ReceiveAsync(wait.Token).ConfigureAwait(false)).Buffer;
                    const byte ResponseFlag = 0x80;
                    if (reply.Length < DnsMessage.HeaderSize || BinaryPrimitives.ReadUInt16BigEndian(reply) != id || (reply[2] & ResponseFlag) == 0)
                        continue; // a late answer to an earlier attempt, or not an answer at all
                    try
                    {
                        var (rcode, addresses) = DnsMessage.ReadAnswer(reply);
                        return rcode == DnsRcode.NoError ? addresses : [];
                    }
                    catch (FormatException)
                    {
                        return [];
                    }
                }
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested && attempt < Attempts)
            {
                // Lost, perhaps: ask again.
            }
        }
    }
}
