using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Nodus.Net.Seeder;

/// <summary>DNS record types the seeder answers (RFC 1035 §3.2.2, RFC 3596).</summary>
public enum DnsType : ushort
{
    A = 1,
    Aaaa = 28,
}

/// <summary>DNS response codes (RFC 1035 §4.1.1).</summary>
public enum DnsRcode : byte
{
    NoError = 0,
    FormatError = 1,
    NameError = 3,     // NXDOMAIN
    NotImplemented = 4,
    Refused = 5,
}

/// <summary>One question of a standard DNS query: the id to echo, the name (lower case, without the final dot),
/// its type and class, and the question's bytes as received (copied into the answer).</summary>
public sealed record DnsQuery(ushort Id, bool RecursionDesired, string Name, ushort Type, ushort Class, byte[] Question);

/// <summary>
/// The little of the DNS wire format (RFC 1035 §4) a seeder needs: reading a query of one question and writing an
/// authoritative answer of A / AAAA records that fits one UDP datagram. Bad input never throws: a datagram too short
/// for a header is dropped, any other malformed query is answered with FORMERR.
/// </summary>
public static class DnsMessage
{
    /// <summary>RFC 1035 §4.2.1: a UDP message without EDNS carries at most 512 bytes; longer answers would be
    /// truncated, so the seeder sends only as many records as fit.</summary>
    public const int MaxUdpSize = Nodus.Core.Discovery.SeedSelection.MaxUdpAnswerBytes;
    /// <summary>RFC 1035 §3.1 / §2.3.4: names are at most 255 octets, labels at most 63.</summary>
    public const int MaxNameLength = 255, MaxLabelLength = 63;
    public const int HeaderSize = 12;
    public const ushort ClassIn = 1, ClassAny = 255;

    private const ushort FlagResponse = 0x8000, FlagAuthoritative = 0x0400, FlagRecursionDesired = 0x0100;
    private const int OpcodeShift = 11, OpcodeMask = 0xF;
    // An answer record: a 2-byte pointer to the question's name (offset 12), type, class, TTL, data length.
    private const int RecordOverhead = 2 + 2 + 2 + 4 + 2;
    private const ushort NameAtQuestion = 0xC000 | HeaderSize;

    /// <summary>
    /// Reads a query. Returns false with <paramref name="error"/> null when the datagram is not worth an answer (too
    /// short for a header, or itself a response); false with an error code when it deserves one (a header to echo).
    /// </summary>
    public static bool TryReadQuery(ReadOnlySpan<byte> datagram, out DnsQuery? query, out DnsRcode? error)
    {
        query = null;
        error = null;
        if (datagram.Length < HeaderSize) return false;
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        if ((flags & FlagResponse) != 0) return false; // never answer an answer (reflection loops)
        error = DnsRcode.FormatError;
        if ((flags >> OpcodeShift & OpcodeMask) != 0) { error = DnsRcode.NotImplemented; return false; } // only QUERY
        if (BinaryPrimitives.ReadUInt16BigEndian(datagram[4..]) != 1) return false; // exactly one question
        var name = new StringBuilder();
        int at = HeaderSize;
        while (true)
        {
            if (at >= datagram.Length) return false;
            int length = datagram[at++];
            if (length == 0) break;
            // Compression pointers (0xC0) and the reserved label types have no place in a query's only name.
            if (length > MaxLabelLength || at + length > datagram.Length) return false;
            if (name.Length > 0) name.Append('.');
            foreach (byte b in datagram.Slice(at, length))
            {
                if (b is (byte)'.' or < 0x21 or > 0x7E) return false; // printable ASCII, no dots inside a label
                name.Append((char)(b is >= (byte)'A' and <= (byte)'Z' ? b + 32 : b)); // names compare case-insensitively
            }
            at += length;
            if (name.Length > MaxNameLength) return false;
        }
        if (at + 4 > datagram.Length) return false;
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(datagram[at..]);
        ushort @class = BinaryPrimitives.ReadUInt16BigEndian(datagram[(at + 2)..]);
        at += 4;
        ushort id = BinaryPrimitives.ReadUInt16BigEndian(datagram);
        query = new DnsQuery(id, (flags & FlagRecursionDesired) != 0, name.ToString(), type, @class, datagram[HeaderSize..at].ToArray());
        error = null;
        return true;
    }

    /// <summary>
    /// An authoritative answer to <paramref name="query"/>: the question, then as many of <paramref name="addresses"/>
    /// as fit in <see cref="MaxUdpSize"/> bytes, as A (IPv4) or AAAA (IPv6) records with <paramref name="ttlSeconds"/>.
    /// </summary>
    public static byte[] WriteAnswer(DnsQuery query, DnsRcode rcode, IEnumerable<IPAddress> addresses, uint ttlSeconds)
    {
        var buffer = new byte[MaxUdpSize];
        int at = WriteHeader(buffer, query.Id, query.RecursionDesired, rcode, questions: 1);
        query.Question.CopyTo(buffer.AsSpan(at));
        at += query.Question.Length;
        ushort answers = 0;
        foreach (var address in addresses)
        {
            bool v4 = address.AddressFamily == AddressFamily.InterNetwork;
            int size = v4 ? 4 : 16;
            if (at + RecordOverhead + size > MaxUdpSize) break;
            var record = buffer.AsSpan(at);
            BinaryPrimitives.WriteUInt16BigEndian(record, NameAtQuestion);
            BinaryPrimitives.WriteUInt16BigEndian(record[2..], (ushort)(v4 ? DnsType.A : DnsType.Aaaa));
            BinaryPrimitives.WriteUInt16BigEndian(record[4..], ClassIn);
            BinaryPrimitives.WriteUInt32BigEndian(record[6..], ttlSeconds);
            BinaryPrimitives.WriteUInt16BigEndian(record[10..], (ushort)size);
            address.TryWriteBytes(record[RecordOverhead..], out _);
            at += RecordOverhead + size;
            answers++;
        }
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(6), answers);
        return buffer[..at];
    }

    /// <summary>A reply that carries only a code (FORMERR, NOTIMP) to a datagram whose question could not be read.</summary>
    public static byte[] WriteError(ReadOnlySpan<byte> datagram, DnsRcode rcode)
    {
        var buffer = new byte[HeaderSize];
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        WriteHeader(buffer, BinaryPrimitives.ReadUInt16BigEndian(datagram), (flags & FlagRecursionDesired) != 0, rcode, questions: 0);
        // Echo the opcode, as RFC 1035 asks ("copied into the response").
        buffer[2] |= (byte)(flags >> 8 & OpcodeMask << (OpcodeShift - 8));
        return buffer;
    }

    private static int WriteHeader(Span<byte> buffer, ushort id, bool recursionDesired, DnsRcode rcode, ushort questions)
    {
        BinaryPrimitives.WriteUInt16BigEndian(buffer, id);
        ushort flags = (ushort)(FlagResponse | FlagAuthoritative | (recursionDesired ? FlagRecursionDesired : 0) | (ushort)rcode);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], flags);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[4..], questions);
        buffer[6..HeaderSize].Clear(); // no answers yet, no authority, no additional records
        return HeaderSize;
    }

    /// <summary>A standard query for <paramref name="name"/> (what a resolver sends; used by tests and tools).</summary>
    public static byte[] WriteQuery(ushort id, string name, DnsType type)
    {
        var labels = name.TrimEnd('.').Split('.');
        var buffer = new byte[HeaderSize + labels.Sum(l => l.Length + 1) + 1 + 4];
        WriteHeader(buffer, id, recursionDesired: true, DnsRcode.NoError, questions: 1);
        buffer[2] &= 0x7F & ~(FlagAuthoritative >> 8); // a query: neither QR nor AA
        int at = HeaderSize;
        foreach (var label in labels)
        {
            buffer[at++] = (byte)label.Length;
            at += Encoding.ASCII.GetBytes(label, buffer.AsSpan(at));
        }
        buffer[at++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(at), (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(at + 2), ClassIn);
        return buffer;
    }

    /// <summary>Reads the A / AAAA records of an answer (tests and tools); throws <see cref="FormatException"/> on a
    /// malformed one.</summary>
    public static (DnsRcode Rcode, List<IPAddress> Addresses) ReadAnswer(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < HeaderSize) throw new FormatException("shorter than a DNS header");
        var rcode = (DnsRcode)(datagram[3] & 0xF);
        int questions = BinaryPrimitives.ReadUInt16BigEndian(datagram[4..]), answers = BinaryPrimitives.ReadUInt16BigEndian(datagram[6..]);
        int at = HeaderSize;
        for (int q = 0; q < questions; q++) at = SkipName(datagram, at) + 4;
        var addresses = new List<IPAddress>();
        for (int a = 0; a < answers; a++)
        {
            at = SkipName(datagram, at);
            if (at + 10 > datagram.Length) throw new FormatException("record header past the end");
            var type = (DnsType)BinaryPrimitives.ReadUInt16BigEndian(datagram[at..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[(at + 8)..]);
            at += 10;
            if (at + length > datagram.Length) throw new FormatException("record data past the end");
            if ((type == DnsType.A && length == 4) || (type == DnsType.Aaaa && length == 16)) addresses.Add(new IPAddress(datagram.Slice(at, length)));
            at += length;
        }
        return (rcode, addresses);
    }

    private static int SkipName(ReadOnlySpan<byte> datagram, int at)
    {
        while (true)
        {
            if (at >= datagram.Length) throw new FormatException("name past the end");
            int length = datagram[at];
            if ((length & 0xC0) == 0xC0) return at + 2; // a pointer ends the name
            at += 1 + length;
            if (length == 0) return at;
        }
    }
}
