namespace Nodus.Net.Rpc;

/// <summary>Thrown by an RPC handler to answer with a JSON-RPC error (<see cref="RpcErrorCode"/>) and a message for a person.</summary>
public sealed class RpcException : Exception
{
    public RpcException(int code, string message) : base(message) => Code = code;

    public int Code { get; }
}
