using Nodus.Wire.Encoding;
using Nodus.Wire.Types;
using WireCodec = Nodus.Wire.Encoding.Wire;

namespace Nodus.Wire.Tests;

public class BlockTests
{
    [Fact]
    public void Decode_MainnetGenesis_HashMerkleRootAndFieldsMatchPublished()
    {
        var bytes = Vectors.Bytes(Vectors.MainnetGenesisBlockHex);
        var block = WireCodec.Decode<Block>(bytes);

        Assert.Equal("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f", block.GetHash().ToString());
        Assert.Equal("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b", block.Header.MerkleRoot.ToString());
        Assert.Equal(block.Header.MerkleRoot, block.ComputeMerkleRoot());
        Assert.Equal(1, block.Header.Version);
        Assert.True(block.Header.PrevBlock.IsZero);
        Assert.Equal(1231006505u, block.Header.Time);
        Assert.Equal(0x1d00ffffu, block.Header.Bits);
        Assert.Equal(2083236893u, block.Header.Nonce);
        var coinbase = Assert.Single(block.Transactions);
        Assert.True(coinbase.IsCoinbase);
        Assert.Equal(5_000_000_000, Assert.Single(coinbase.Outputs).Value);
        Assert.Equal(block.Header.MerkleRoot, coinbase.GetHash());
    }

    [Fact]
    public void Encode_MainnetGenesis_ReproducesPublishedBytes()
    {
        var bytes = Vectors.Bytes(Vectors.MainnetGenesisBlockHex);
        Assert.Equal(285, bytes.Length);
        Assert.Equal(bytes, WireCodec.Decode<Block>(bytes).Serialize());
    }

    [Fact]
    public void Decode_RegtestGenesis_HashMatchesPublished()
    {
        var bytes = Vectors.Bytes(Vectors.RegtestGenesisBlockHex);
        var block = WireCodec.Decode<Block>(bytes);

        Assert.Equal("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206", block.GetHash().ToString());
        Assert.Equal(1296688602u, block.Header.Time);
        Assert.Equal(0x207fffffu, block.Header.Bits);
        Assert.Equal(2u, block.Header.Nonce);
        Assert.Equal(block.Header.MerkleRoot, block.ComputeMerkleRoot());
        Assert.Equal(bytes, block.Serialize());
    }

    [Fact]
    public void BlockHeader_GenesisHeaderAlone_HashesTo80ByteVector()
    {
        var header = WireCodec.Decode<BlockHeader>(Vectors.Bytes(Vectors.MainnetGenesisHeaderHex));
        Assert.Equal(Sha256d.Hash(Vectors.Bytes(Vectors.MainnetGenesisHeaderHex)), header.GetHash());
        Assert.Equal(Vectors.Bytes(Vectors.MainnetGenesisHeaderHex), WireCodec.Encode(header));
    }

    private delegate void HeaderChange(ref BlockHeader header, Hash256 other);

    [Fact]
    public void BlockHeader_ChangedOrDecodedAfterHashing_HashedAgain()
    {
        var header = WireCodec.Decode<BlockHeader>(Vectors.Bytes(Vectors.MainnetGenesisHeaderHex));
        var genesis = header.GetHash();
        var copy = header; // carries the memo: same fields, same hash
        Assert.Equal(genesis, copy.GetHash());
        var other = Sha256d.Hash([1, 2, 3]);
        HeaderChange[] changes =
        [
            (ref BlockHeader h, Hash256 _) => h.Nonce++, (ref BlockHeader h, Hash256 _) => h.Time++,
            (ref BlockHeader h, Hash256 _) => h.Bits ^= 1, (ref BlockHeader h, Hash256 _) => h.Version++,
            (ref BlockHeader h, Hash256 o) => h.PrevBlock = o, (ref BlockHeader h, Hash256 o) => h.MerkleRoot = o,
        ];
        foreach (var change in changes)
        {
            var changed = header;
            Assert.Equal(genesis, changed.GetHash());
            change(ref changed, other);
            Assert.NotEqual(genesis, changed.GetHash());
            Assert.Equal(changed.ComputeHash(), changed.GetHash());
            Assert.Equal(genesis, header.GetHash()); // the original value is untouched
        }

        // Decoding into a value that was hashed drops its memo.
        var s = WireStream.ForReading(Vectors.Bytes(Vectors.RegtestGenesisHeaderHex));
        BlockHeader.ReadWrite(ref s, ref copy);
        Assert.Equal(Sha256d.Hash(Vectors.Bytes(Vectors.RegtestGenesisHeaderHex)), copy.GetHash());
        Assert.NotEqual(genesis, copy.GetHash());
    }

    [Fact]
    public void Decode_TrailingByteAfterBlock_Throws()
    {
        var bytes = Vectors.Bytes(Vectors.MainnetGenesisBlockHex + "00");
        Assert.Throws<WireFormatException>(() => WireCodec.Decode<Block>(bytes));
    }

    [Fact]
    public void MerkleRoot_DuplicatedLastPair_FlagsMutation()
    {
        var random = new Random(7);
        var a = Samples.RandomHash(random);
        var b = Samples.RandomHash(random);
        var c = Samples.RandomHash(random);
        var odd = MerkleTree.Root([a, b, c], out bool oddMutated);
        var padded = MerkleTree.Root([a, b, c, c], out bool paddedMutated);
        Assert.Equal(odd, padded); // CVE-2012-2459: both lists give one root
        Assert.False(oddMutated);
        Assert.True(paddedMutated);
    }

    [Fact]
    public void Decode_BlockWithWitnessTxs_IdsFromBytesEqualIdsFromObjects()
    {
        var original = Samples.RandomBlock(new Random(11), 9);
        original.Transactions.Add(Samples.Transaction(Vectors.SegwitTxHex));
        var bytes = original.Serialize();

        var decoded = WireCodec.Decode<Block>(bytes);
        Assert.Equal(10, decoded.TransactionCount);
        var ids = decoded.GetTransactionIds(); // hashed from the received bytes
        Assert.Equal(Vectors.SegwitTxId, ids[^1].ToString());
        Assert.Equal(bytes, decoded.Serialize()); // still as received

        Assert.Equal(original.Transactions.Select(t => t.GetHash()), decoded.Transactions.Select(t => t.GetHash()));
        Assert.Equal(ids, decoded.GetTransactionIds()); // now from the materialized objects
        Assert.Equal(bytes, decoded.Serialize()); // re-encoded from objects
        Assert.Equal(Vectors.SegwitTxWitnessId, decoded.Transactions[^1].GetWitnessHash().ToString());
    }

    [Fact]
    public void Memos_TransactionChangedInPlaceWithInvalidateHashes_ComputedAgain()
    {
        // The same objects in the same list: only the change count tells the memos that an id moved.
        var block = Samples.RandomBlock(new Random(17), 5);
        foreach (var tx in block.Transactions.Skip(1))
            for (int i = 0; i < tx.Inputs.Count; i++) tx.Inputs[i] = tx.Inputs[i] with { Witness = [] };
        foreach (var tx in block.Transactions) tx.InvalidateHashes();
        var root = block.ComputeMerkleRoot();
        var witnessRoot = block.ComputeWitnessMerkleRoot(out _);
        Assert.False(block.AnyTransactionHasWitness());
        Assert.Equal(root, block.ComputeMerkleRoot()); // answered from the memo

        var changed = block.Transactions[3];
        changed.LockTime++;
        changed.Inputs[0] = changed.Inputs[0] with { Witness = [[1, 2, 3]] };
        changed.InvalidateHashes();
        Assert.Equal(MerkleTree.Root([.. block.Transactions.Select(t => t.GetHash())], out _), block.ComputeMerkleRoot());
        Assert.NotEqual(root, block.ComputeMerkleRoot());
        Assert.NotEqual(witnessRoot, block.ComputeWitnessMerkleRoot(out _));
        Assert.True(block.AnyTransactionHasWitness());
    }

    [Fact]
    public void WitnessMemo_WitnessChangedWithInvalidateHashes_Forgotten()
    {
        var block = Samples.RandomBlock(new Random(19), 4);
        var owner = new object();
        var facts = block.InspectWitnessIds(owner);
        Assert.Null(facts.Memo);
        Assert.Equal(block.ComputeWitnessMerkleRoot(out _), facts.MerkleRoot);
        facts.Remember("weighed");
        Assert.Equal("weighed", block.InspectWitnessIds(owner).Memo);
        Assert.Null(block.InspectWitnessIds(new object()).Memo); // another owner's memo is not answered

        var changed = block.Transactions[2];
        changed.Inputs[0] = changed.Inputs[0] with { Witness = [[4, 5, 6, 7]] };
        changed.InvalidateHashes();
        var after = block.InspectWitnessIds(owner);
        Assert.Null(after.Memo);
        Assert.True(after.AnyWitnessAfterCoinbase);
        Assert.NotEqual(facts.MerkleRoot, after.MerkleRoot);
    }

    [Fact]
    public void WitnessFactsFromTxidFacts_ListOrTransactionChanged_SeeTheChange()
    {
        // The txid facts vouch for the witness memo only while both memos share the snapshot the list was found to hold.
        var block = Samples.RandomBlock(new Random(23), 5);
        var owner = new object();
        Hash256 Expected() => MerkleTree.Root([.. block.Transactions.Select((t, i) => i == 0 ? Hash256.Zero : t.GetWitnessHash())], out _);
        var first = block.InspectTransactionIds(owner).InspectWitnessIds(owner);
        Assert.Equal(Expected(), first.MerkleRoot);
        first.Remember("weighed");
        Assert.Equal("weighed", block.InspectTransactionIds(owner).InspectWitnessIds(owner).Memo);

        block.Transactions[1] = Samples.Transaction(Vectors.SegwitTxHex); // a list change: no stamp moves
        var replaced = block.InspectTransactionIds(owner).InspectWitnessIds(owner);
        Assert.Null(replaced.Memo);
        Assert.Equal(Expected(), replaced.MerkleRoot);
        Assert.NotEqual(first.MerkleRoot, replaced.MerkleRoot);

        var changed = block.Transactions[3];
        changed.Inputs[0] = changed.Inputs[0] with { Witness = [[8, 9]] };
        changed.InvalidateHashes();
        Assert.Equal(Expected(), block.InspectTransactionIds(owner).InspectWitnessIds(owner).MerkleRoot);
        Assert.Equal(Expected(), block.ComputeWitnessMerkleRoot(out _));
    }

    [Fact]
    public void MerkleRoot_ListChangedAfterComputing_ComputedAgain()
    {
        // Roots are memoised with the ids they were computed from; a changed list must not be answered from the memo.
        var block = Samples.RandomBlock(new Random(13), 6);
        Hash256 Expected() => MerkleTree.Root([.. block.Transactions.Select(t => t.GetHash())], out _);
        var first = block.ComputeMerkleRoot();
        Assert.Equal(Expected(), first);
        Assert.False(block.HasDuplicateTransactionIds());
        block.Transactions.RemoveAt(5);
        Assert.NotEqual(first, block.ComputeMerkleRoot());
        Assert.Equal(Expected(), block.ComputeMerkleRoot());
        block.Transactions.Add(block.Transactions[2]);
        Assert.Equal(Expected(), block.ComputeMerkleRoot());
        Assert.True(block.HasDuplicateTransactionIds());

        var witnessRoot = block.ComputeWitnessMerkleRoot(out _);
        block.Transactions[1] = Samples.Transaction(Vectors.SegwitTxHex);
        var leaves = block.Transactions.Select((t, i) => i == 0 ? Hash256.Zero : t.GetWitnessHash()).ToList();
        Assert.Equal(MerkleTree.Root(leaves, out _), block.ComputeWitnessMerkleRoot(out _));
        Assert.NotEqual(witnessRoot, block.ComputeWitnessMerkleRoot(out _));
    }

    [Fact]
    public void Transactions_ChangedAfterDecode_SerializesTheChange()
    {
        var decoded = WireCodec.Decode<Block>(Vectors.Bytes(Vectors.MainnetGenesisBlockHex));
        decoded.Transactions.Add(Samples.Transaction(Vectors.SegwitTxHex));
        var again = WireCodec.Decode<Block>(decoded.Serialize());
        Assert.Equal(2, again.TransactionCount);
        Assert.NotEqual(again.Header.MerkleRoot, again.ComputeMerkleRoot());
    }

    [Theory]
    [InlineData("0001")] // witness marker with an empty witness
    [InlineData("0002")] // unknown flag
    public void Decode_BlockWithBadWitnessFlags_Throws(string markerFlag)
    {
        var tx = "01000000" + markerFlag + "01" + new string('0', 64) + "00000000" + "00" + "ffffffff" + "01" + "0000000000000000" + "00" + "00" + "00000000";
        var bytes = Vectors.Bytes(Vectors.MainnetGenesisHeaderHex + "01" + tx);
        Assert.Throws<WireFormatException>(() => WireCodec.Decode<Block>(bytes));
    }

    [Fact]
    public void Decode_BlockLargerThanAChunkWithAHugeTransaction_RoundTripsAndIdsAgree()
    {
        var random = new Random(12);
        var block = Samples.RandomBlock(random, 400); // ~200 kB: several 64 kB chunks
        var huge = Samples.RandomTransaction(random, witness: true);
        huge.Outputs.Add(new TxOut { Value = 1, ScriptPubKey = Samples.RandomBytes(random, 100_000) });
        block.Transactions.Insert(200, huge);
        var bytes = block.Serialize();

        var decoded = WireCodec.Decode<Block>(bytes);
        Assert.Equal(401, decoded.TransactionCount);
        Assert.Equal(bytes, decoded.Serialize());
        var ids = decoded.GetTransactionIds();
        Assert.Equal(block.Transactions.Select(t => t.GetHash()), ids);
        Assert.Equal(block.Transactions.Select(t => t.GetWitnessHash()), decoded.Transactions.Select(t => t.GetWitnessHash()));
        Assert.Equal(bytes, decoded.Serialize());
    }
}
