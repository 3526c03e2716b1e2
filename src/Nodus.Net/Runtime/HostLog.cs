using System.Net;
using Microsoft.Extensions.Logging;

namespace Nodus.Net.Runtime;

/// <summary>The runtime's own log lines (source-generated); the engine's lines arrive as LogLine outputs.</summary>
internal static partial class HostLog
{
    [LoggerMessage(EventId = 1, Message = "{Message}")]
    public static partial void Engine(ILogger logger, LogLevel level, string message);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "listening for peers on {EndPoint}")]
    public static partial void Listening(ILogger logger, IPEndPoint endPoint);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "refused inbound connection from {Remote}: {Reason}")]
    public static partial void InboundRefused(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "accept failed: {Reason}")]
    public static partial void AcceptFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "node stopping: closing {Count} connections")]
    public static partial void Stopping(ILogger logger, int count);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "node stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 7, Level = LogLevel.Error, Message = "event loop failed; the node stops")]
    public static partial void LoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Error, Message = "engine step failed ({Input}); the node goes on")]
    public static partial void StepFailed(ILogger logger, string input, Exception exception);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "cannot encode {Command} for peer {Peer}: {Reason}")]
    public static partial void EncodeFailed(ILogger logger, string command, Core.Peers.PeerId peer, string reason);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "peer {Peer} ({Remote}): send queue over {Limit} bytes; closing it")]
    public static partial void SendQueueFull(ILogger logger, Core.Peers.PeerId peer, IPEndPoint remote, long limit);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "TLS {Mode}: this node's certificate fingerprint is {Fingerprint}")]
    public static partial void TlsFingerprint(ILogger logger, string mode, string fingerprint);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "refused TLS peer {Remote}: {Reason}")]
    public static partial void TlsRefused(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(EventId = 13, Level = LogLevel.Debug, Message = "peer {Remote} does not speak TLS ({Reason}); plain TCP with it for this session")]
    public static partial void TlsFallback(ILogger logger, IPEndPoint remote, string reason);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "DNS seed {Host}: lookup failed; taken as an empty answer")]
    public static partial void SeedLookupFailed(ILogger logger, string host, Exception error);
}
