using System.Security.Cryptography;
using System.Text;

namespace Nodus.Net.Rpc;

/// <summary>
/// Cookie authentication as bitcoind does it: at start a random secret is written to DATADIR/.cookie as
/// <c>__cookie__:HEX</c>, readable only by the owner; clients send it as HTTP Basic credentials; it is removed at stop.
/// </summary>
public sealed class RpcCookie
{
    public const string FileName = ".cookie";
    public const string UserName = "__cookie__";

    /// <summary>bitcoind's COOKIEAUTH_PASSWORD_BYTES: 32 random bytes, written as 64 hex digits.</summary>
    public const int SecretBytes = 32;

    private RpcCookie(string credentials, string? path)
    {
        Credentials = credentials;
        Path = path;
    }

    /// <summary>The whole <c>user:password</c> string, as the client sends it in the Basic header.</summary>
    public string Credentials { get; }

    /// <summary>The file it was written to, if any.</summary>
    public string? Path { get; }

    /// <summary>Makes a new secret and writes it (mode 0600, through a temporary file so a reader never sees half of it).</summary>
    public static RpcCookie Create(string dataDir)
    {
        string credentials = $"{UserName}:{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(SecretBytes))}";
        string path = System.IO.Path.Combine(dataDir, FileName);
        string temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
            stream.Write(Encoding.ASCII.GetBytes(credentials));
        File.Move(temporary, path, overwrite: true);
        return new RpcCookie(credentials, path);
    }

    /// <summary>A cookie read from a file (the client side of <c>nodus rpc</c>).</summary>
    public static RpcCookie Read(string path)
    {
        string text = File.ReadAllText(path).Trim();
        if (!text.Contains(':', StringComparison.Ordinal)) throw new InvalidDataException($"{path} is not a cookie file (user:password)");
        return new RpcCookie(text, path);
    }

    /// <summary>True when an Authorization header carries exactly these credentials (compared in constant time).</summary>
    public bool Accepts(string? authorization)
    {
        const string scheme = "Basic ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return false;
        byte[] given;
        try { given = Convert.FromBase64String(authorization[scheme.Length..].Trim()); }
        catch (FormatException) { return false; }
        return CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(Credentials));
    }

    /// <summary>The value of an Authorization header carrying these credentials.</summary>
    public string AuthorizationHeader => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Credentials));

    /// <summary>Removes the cookie file, if this cookie wrote one and it still holds our secret.</summary>
    public void Delete()
    {
        if (Path is null) return;
        try
        {
            if (File.Exists(Path) && File.ReadAllText(Path).Trim() == Credentials) File.Delete(Path);
        }
        catch (IOException) { } // already gone or unreadable: nothing of ours to remove
    }
}
