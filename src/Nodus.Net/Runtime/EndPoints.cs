using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Nodus.Net.Runtime;

/// <summary>Parses the IP:PORT strings of the command line and RPC. Literal addresses only: nothing is resolved.</summary>
public static class EndPoints
{
    /// <summary>
    /// Parses <c>1.2.3.4:8333</c>, <c>[::1]:8333</c>, and, when <paramref name="defaultPort"/> is given, a bare
    /// address. IPv4 must be four dotted numbers (the legacy forms such as <c>1.2.3</c> that inet_aton accepts are refused).
    /// </summary>
    public static bool TryParse(string text, int? defaultPort, out IPEndPoint endPoint)
    {
        endPoint = null!;
        text = text.Trim();
        string host;
        string? port = null;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) return false;
            host = text[1..close];
            string rest = text[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':') return false;
                port = rest[1..];
            }
        }
        else if (text.Count(c => c == ':') == 1)
        {
            int colon = text.IndexOf(':', StringComparison.Ordinal);
            host = text[..colon];
            port = text[(colon + 1)..];
        }
        else host = text;

        if (!IPAddress.TryParse(host, out var address)) return false;
        if (address.AddressFamily == AddressFamily.InterNetwork && host.Count(c => c == '.') != 3) return false;
        int portNumber;
        if (port is null)
        {
            if (defaultPort is null) return false;
            portNumber = defaultPort.Value;
        }
        else if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out portNumber) || portNumber > IPEndPoint.MaxPort)
            return false;
        endPoint = new IPEndPoint(address, portNumber);
        return true;
    }

    /// <summary>How getpeerinfo writes an address: <c>1.2.3.4:8333</c> or <c>[::1]:8333</c>.</summary>
    public static string Format(IPEndPoint endPoint) => endPoint.ToString();
}
