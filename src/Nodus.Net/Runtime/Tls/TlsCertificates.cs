using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Nodus.Net.Runtime;

/// <summary>
/// Self-signed node certificates (ECDSA P-256) and their fingerprints. The subject is the same for every node
/// ("CN=nodus") so the certificate says nothing about who runs it; only the key, and so the fingerprint, differs.
/// </summary>
public static class TlsCertificates
{
    /// <summary>DATADIR file holding a kept certificate (PKCS#12 with its key, mode 0600).</summary>
    public const string FileName = "tls.pfx";

    /// <summary>Hex digits of a SHA-256 fingerprint (32 bytes).</summary>
    public const int FingerprintHexLength = 64;

    /// <summary>Validity of a new certificate. Peers never check dates (they pin fingerprints or accept any), so this
    /// only has to outlive the process or, for a kept certificate, the consortium: 20 years.</summary>
    private static readonly TimeSpan Validity = TimeSpan.FromDays(20 * 365);

    private const string Subject = "CN=nodus";

    /// <summary>A fresh key and certificate, in memory only.</summary>
    public static X509Certificate2 CreateEphemeral()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        // Each node is a TLS server to its inbound peers and a TLS client to its outbound ones.
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1); // tolerate peers whose clocks lag
        using var created = request.CreateSelfSigned(notBefore, notBefore + Validity);
        // A PKCS#12 round trip gives a key every platform's TLS stack can use (Windows refuses ephemeral keys).
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>The certificate in <paramref name="path"/>, or a new one written there (owner-only) when missing.</summary>
    public static X509Certificate2 LoadOrCreate(string path)
    {
        if (File.Exists(path)) return X509CertificateLoader.LoadPkcs12FromFile(path, null);
        var certificate = CreateEphemeral();
        string temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(temporary, options)) file.Write(certificate.Export(X509ContentType.Pkcs12));
        File.Move(temporary, path, overwrite: true);
        return certificate;
    }

    /// <summary>SHA-256 of the certificate's DER encoding, lowercase hex: what operators exchange and --tls-allow lists.</summary>
    public static string Fingerprint(X509Certificate certificate) =>
        Convert.ToHexStringLower(SHA256.HashData(certificate.GetRawCertData()));

    /// <summary>Accepts 64 hex digits in either case, optionally in colon-separated pairs (as openssl prints them).</summary>
    public static bool TryParseFingerprint(string text, out string? fingerprint)
    {
        string digits = text.Replace(":", "", StringComparison.Ordinal);
        fingerprint = null;
        if (digits.Length != FingerprintHexLength || !digits.All(char.IsAsciiHexDigit)) return false;
        fingerprint = digits.ToLowerInvariant();
        return true;
    }
}
