namespace Nodus.Core.Discovery;

/// <summary>Table sizes of an address manager. The defaults are Bitcoin Core's; the simulator shrinks them.</summary>
public sealed record AddressManagerOptions
{
    /// <summary>Bitcoin Core's ADDRMAN_NEW_BUCKET_COUNT (1 &lt;&lt; 10).</summary>
    public const int DefaultNewBucketCount = 1024;
    /// <summary>Bitcoin Core's ADDRMAN_TRIED_BUCKET_COUNT (1 &lt;&lt; 8).</summary>
    public const int DefaultTriedBucketCount = 256;
    /// <summary>Bitcoin Core's ADDRMAN_BUCKET_SIZE (1 &lt;&lt; 6).</summary>
    public const int DefaultBucketSize = 64;
    /// <summary>Bitcoin Core's ADDRMAN_NEW_BUCKETS_PER_SOURCE_GROUP: one source group reaches at most 64 new buckets.</summary>
    public const int DefaultNewBucketsPerSourceGroup = 64;
    /// <summary>Bitcoin Core's ADDRMAN_TRIED_BUCKETS_PER_GROUP: one address group reaches at most 8 tried buckets.</summary>
    public const int DefaultTriedBucketsPerGroup = 8;
    /// <summary>Bitcoin Core's ADDRMAN_NEW_BUCKETS_PER_ADDRESS: an address sits in at most 8 new buckets.</summary>
    public const int DefaultNewBucketsPerAddress = 8;

    public int NewBucketCount { get; init; } = DefaultNewBucketCount;
    public int TriedBucketCount { get; init; } = DefaultTriedBucketCount;
    public int BucketSize { get; init; } = DefaultBucketSize;
    public int NewBucketsPerSourceGroup { get; init; } = DefaultNewBucketsPerSourceGroup;
    public int TriedBucketsPerGroup { get; init; } = DefaultTriedBucketsPerGroup;
    public int NewBucketsPerAddress { get; init; } = DefaultNewBucketsPerAddress;

    /// <summary>
    /// Experiment setting (an eclipse countermeasure switched off when false): buckets are chosen by network group
    /// and source group, so one source group reaches only <see cref="NewBucketsPerSourceGroup"/> new buckets and one
    /// address group only <see cref="TriedBucketsPerGroup"/> tried buckets (Bitcoin Core; Heilman et al. 2015,
    /// countermeasure 1 is its keyed form). False hashes the full address and full source address instead, so a
    /// single source can spread its addresses over every bucket. Never false in a real node.
    /// </summary>
    public bool GroupBucketing { get; init; } = true;

    /// <summary>
    /// Experiment setting: a tried-table collision waits for a feeler to test the occupant, which stays if it answers
    /// (Bitcoin Core's test-before-evict, Heilman et al. countermeasure 3). False evicts the occupant at once.
    /// </summary>
    public bool TestBeforeEvict { get; init; } = true;

    public static AddressManagerOptions Default { get; } = new();

    /// <summary>A small table for simulations of many nodes (new 64 × 16, tried 16 × 16).</summary>
    public static AddressManagerOptions Small { get; } = new()
    {
        NewBucketCount = 64, TriedBucketCount = 16, BucketSize = 16, NewBucketsPerSourceGroup = 8, TriedBucketsPerGroup = 4,
    };

    public int NewCapacity => NewBucketCount * BucketSize;
    public int TriedCapacity => TriedBucketCount * BucketSize;

    internal void Validate()
    {
        if (NewBucketCount < 1 || TriedBucketCount < 1 || BucketSize < 1 || NewBucketsPerSourceGroup < 1
            || TriedBucketsPerGroup < 1 || NewBucketsPerAddress < 1 || NewBucketsPerAddress > 30)
            throw new ArgumentException("address manager sizes must be positive (and at most 30 new references per address)");
    }
}
