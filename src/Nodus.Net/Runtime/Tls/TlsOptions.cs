using System.Security.Cryptography.X509Certificates;
using Nodus.Core;

namespace Nodus.Net.Runtime;

/// <summary>TLS between nodes: the mode, this node's certificate and the optional allowlist of peer fingerprints.</summary>
public sealed record TlsOptions
{
    /// <summary>
    /// Time a peer has to send its first byte and finish the TLS handshake. Bitcoin Core gives a whole version/verack
    /// handshake 60 s (TIMEOUT_INTERVAL); one TLS round trip on a live link takes well under a second, so 10 s only
    /// bounds how long a silent or stalling socket holds a slot.
    /// </summary>
    public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(10);

    public static readonly TlsOptions Off = new();

    public TlsMode Mode { get; init; } = TlsMode.Off;

    /// <summary>This node's certificate with its private key; required unless <see cref="Mode"/> is Off.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>
    /// SHA-256 fingerprints (lowercase hex, <see cref="TlsCertificates.Fingerprint(X509Certificate)"/>) of the only
    /// peers admitted, in both directions. Empty: any certificate is accepted (encryption without identity).
    /// Needs <see cref="TlsMode.Require"/>, since a plain connection would bypass it.
    /// </summary>
    public IReadOnlySet<string> AllowedFingerprints { get; init; } = new HashSet<string>();

    public TimeSpan HandshakeTimeout { get; init; } = DefaultHandshakeTimeout;

    /// <summary>This node's fingerprint, for operators to exchange; null when TLS is off.</summary>
    public string? Fingerprint => Certificate is null ? null : TlsCertificates.Fingerprint(Certificate);

    /// <summary>The services to advertise: NODE_NODUS_TLS set exactly when TLS is on or required.</summary>
    public ulong Advertise(ulong services) =>
        Mode == TlsMode.Off ? services & ~NodeOptions.NodeNodusTls : services | NodeOptions.NodeNodusTls;

    /// <summary>Throws <see cref="ArgumentException"/> on a combination that cannot work or would be unsafe.</summary>
    public void Validate()
    {
        if (Mode != TlsMode.Off && Certificate is null)
            throw new ArgumentException($"--tls {Mode.ToName()} needs a certificate");
        if (AllowedFingerprints.Count > 0 && Mode != TlsMode.Require)
            throw new ArgumentException("--tls-allow needs --tls require (a plain connection would bypass the allowlist)");
        foreach (string fingerprint in AllowedFingerprints)
            if (!TlsCertificates.TryParseFingerprint(fingerprint, out string? parsed) || parsed != fingerprint)
                throw new ArgumentException($"--tls-allow: '{fingerprint}' is not a lowercase SHA-256 fingerprint (64 hex digits)");
    }
}
