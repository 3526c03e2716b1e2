using Nodus.Wire.Types;

namespace Nodus.Core.Chain;

/// <summary>Builds a genesis block the way Bitcoin's CreateGenesisBlock does: one coinbase, no parent.</summary>
public static class GenesisBlock
{
    /// <summary>The coinbase input script of Bitcoin's genesis: push(0x1d00ffff), push(4), push("The Times 03/Jan/2009 …").</summary>
    public static readonly byte[] BitcoinCoinbaseScript = Convert.FromHexString(
        "04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66" +
        "207365636f6e64206261696c6f757420666f722062616e6b73");

    /// <summary>Bitcoin's genesis output script: Satoshi's uncompressed public key and OP_CHECKSIG.</summary>
    public static readonly byte[] BitcoinOutputScript = Convert.FromHexString(
        "4104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7" +
        "ba0b8d578a4c702b6bf11d5fac");

    public static Block Create(byte[] coinbaseScript, byte[] outputScript, uint time, uint nonce, uint bits, int version, long reward)
    {
        var coinbase = new Transaction
        {
            Version = 1,
            Inputs = [new TxIn { PrevOut = new OutPoint(default, OutPoint.NullIndex), ScriptSig = coinbaseScript, Sequence = uint.MaxValue, Witness = [] }],
            Outputs = [new TxOut { Value = reward, ScriptPubKey = outputScript }],
        };
        var block = new Block { Transactions = [coinbase] };
        block.Header = new BlockHeader { Version = version, Time = time, Bits = bits, Nonce = nonce, MerkleRoot = block.ComputeMerkleRoot() };
        return block;
    }

    /// <summary>A genesis coinbase for our own networks: a single push of an ASCII message (≤ 75 bytes), output burnt with OP_RETURN.</summary>
    public static Block CreateNodus(string message, uint time, uint nonce, uint bits, long reward)
    {
        var text = System.Text.Encoding.ASCII.GetBytes(message);
        if (text.Length is < 2 or > 75) throw new ArgumentException("a genesis message is 2–75 ASCII bytes", nameof(message));
        byte[] script = [(byte)text.Length, .. text];
        return Create(script, [ScriptOpcodes.OpReturn], time, nonce, bits, version: 1, reward);
    }
}
