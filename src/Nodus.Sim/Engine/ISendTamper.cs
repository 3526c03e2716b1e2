using Nodus.Wire.Messages;

namespace Nodus.Sim.Engine;

/// <summary>
/// Alters what an adversarial node's real engine sends, between its output queue and the wire (the node's code is
/// untouched; a Byzantine operator patches its own sending). Consulted only for nodes it <see cref="Applies"/> to.
/// </summary>
public interface ISendTamper
{
    bool Applies(int node);

    /// <summary>The message to transmit instead (null: never sent) and how long to hold it first.</summary>
    IMessage? Tamper(int from, IMessage message, long now, out long hold);
}
