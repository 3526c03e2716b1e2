using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Nodus.Net.Runtime;

/// <summary>
/// Turns a connected socket into a <see cref="PeerStream"/>. Inbound, the first byte decides: a TLS record starts
/// with 0x16 (handshake), a Bitcoin frame with the network magic, and no Nodus or Bitcoin magic starts with 0x16.
/// Outbound, <c>on</c> tries TLS and the caller falls back to plain TCP when the peer does not speak it.
/// Thread-safe; used from accept and dial tasks, never from the event loop.
/// </summary>
internal sealed class TlsNegotiator
{
    /// <summary>TLS ContentType handshake (RFC 8446 §5.1, RFC 5246 §6.2.1): the first byte of every ClientHello.</summary>
    public const byte HandshakeRecordType = 0x16;

    /// <summary>Peers remembered as plain-only for this session, so `on` does not retry TLS on every dial. Bounded:
    /// when full, new entries are not kept (the cost is one failed TLS attempt per dial to them).</summary>
    public const int MaxRememberedPlainPeers = 4096;

    /// <summary>Host name sent in SNI. Peers are dialled by IP and identified by fingerprint, so no name is checked;
    /// one constant for every node keeps the ClientHello free of anything identifying.</summary>
    private const string TargetHost = "nodus";

    private readonly TlsOptions _options;
    private readonly SslStreamCertificateContext? _context;
    private readonly ConcurrentDictionary<IPEndPoint, byte> _plainPeers = new();

    public TlsNegotiator(TlsOptions options)
    {
        _options = options;
        if (options.Certificate is { } certificate)
            _context = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
    }

    public TlsMode Mode => _options.Mode;

    /// <summary>True when dials to <paramref name="peer"/> should try TLS first.</summary>
    public bool ShouldOffer(IPEndPoint peer) =>
        _options.Mode == TlsMode.Require || (_options.Mode == TlsMode.On && !_plainPeers.ContainsKey(peer));

    public void RememberPlain(IPEndPoint peer)
    {
        if (_plainPeers.Count < MaxRememberedPlainPeers) _plainPeers.TryAdd(peer, 0);
    }

    /// <summary>Inbound with TLS on or required: waits for the first byte, then answers TLS or plain TCP.</summary>
    public async Task<PeerStream> AcceptAsync(Socket socket, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(_options.HandshakeTimeout);
        var first = new byte[1];
        try
        {
            int received = await socket.ReceiveAsync(first, SocketFlags.Peek, timeout.Token).ConfigureAwait(false);
            if (received == 0) throw new TlsRefusedException("closed before sending anything", canFallBack: false);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new TlsRefusedException($"sent nothing within {_options.HandshakeTimeout.TotalSeconds} s", canFallBack: false);
        }
        if (first[0] != HandshakeRecordType)
        {
            if (_options.Mode == TlsMode.Require)
                throw new TlsRefusedException("plain TCP refused (--tls require)", canFallBack: false);
            return PeerStream.Plain(socket);
        }
        var refusal = new Refusal();
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = _context,
                // With an allowlist the peer must prove it holds a listed key; without, encryption is the point.
                ClientCertificateRequired = _options.AllowedFingerprints.Count > 0,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => Check(certificate, refusal),
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException or SocketException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            if (cancel.IsCancellationRequested) throw;
            throw new TlsRefusedException(refusal.Reason ?? HandshakeFailure(e), canFallBack: false);
        }
        return new PeerStream(socket, ssl, true, Fingerprint(ssl.RemoteCertificate));
    }

    /// <summary>Outbound: the TLS client handshake. Throws <see cref="TlsRefusedException"/> when it fails.</summary>
    public async Task<PeerStream> ConnectAsync(Socket socket, CancellationToken cancel)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(_options.HandshakeTimeout);
        var refusal = new Refusal();
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = TargetHost,
                ClientCertificateContext = _context,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => Check(certificate, refusal),
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException or SocketException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            if (cancel.IsCancellationRequested) throw;
            // A refused certificate is a verdict on the peer's identity: plain TCP must not route around it.
            throw refusal.Reason is { } reason
                ? new TlsRefusedException(reason, canFallBack: false)
                : new TlsRefusedException(HandshakeFailure(e), canFallBack: true);
        }
        return new PeerStream(socket, ssl, true, Fingerprint(ssl.RemoteCertificate));
    }

    /// <summary>Self-signed certificates carry no chain, so chain errors are ignored: the allowlist, when given, is
    /// the whole identity check.</summary>
    private bool Check(X509Certificate? certificate, Refusal refusal)
    {
        if (_options.AllowedFingerprints.Count == 0) return true;
        if (certificate is null)
        {
            refusal.Reason = "presented no certificate (--tls-allow admits listed certificates only)";
            return false;
        }
        string fingerprint = TlsCertificates.Fingerprint(certificate);
        if (_options.AllowedFingerprints.Contains(fingerprint)) return true;
        refusal.Reason = $"certificate {fingerprint} is not on --tls-allow";
        return false;
    }

    private static string? Fingerprint(X509Certificate? certificate) =>
        certificate is null ? null : TlsCertificates.Fingerprint(certificate);

    private static string HandshakeFailure(Exception e) => e is OperationCanceledException
        ? "TLS handshake timed out"
        : $"TLS handshake failed: {(e.InnerException ?? e).Message}";

    /// <summary>Where a validation callback leaves its reason for the log.</summary>
    private sealed class Refusal
    {
        public string? Reason { get; set; }
    }
}
