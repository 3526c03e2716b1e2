using Nodus.Core;

namespace Nodus.Sim.Metrics;

/// <summary>
/// The adversary's guesses of who created each transaction, and how good they are. Precision and recall are those
/// of Bojja Venkatakrishnan, Fanti and Viswanath ("Dandelion", 2017): with every honest node v sending one
/// transaction X_v and the adversary mapping each transaction to a node M(X),
///   recall    R = (1/n) Σ_v 1{M(X_v) = v}                  (the share of transactions attributed correctly),
///   precision D = (1/n) Σ_v 1{M(X_v) = v} / |M⁻¹(v)|        (a correct guess counts less the more transactions
///                                                          the adversary piled onto the same node).
/// Here sums run over the simulated transactions (so several transactions of one source are allowed): with one
/// transaction per honest node this is exactly the paper's definition.
/// </summary>
public static class SourceEstimators
{
    /// <summary>
    /// First-spy estimator: the spies are nodes that follow the protocol and record each first arrival and who
    /// delivered it; the guess is the honest node that delivered the transaction to the first spy that got it.
    /// Returns -1 when no spy ever received it.
    /// </summary>
    public static int FirstSpy(BroadcastTracker.Item item, IReadOnlyList<bool> isSpy)
    {
        long best = Time.Never;
        int guess = -1;
        for (int v = 0; v < item.Arrival.Length; v++)
        {
            if (v >= isSpy.Count || !isSpy[v] || item.Arrival[v] >= best) continue;
            best = item.Arrival[v];
            guess = item.DeliveredBy[v];
        }
        return guess;
    }

    /// <summary>
    /// First-timestamp estimator: an eavesdropper holding one connection to every node notes when each node first
    /// announced the transaction to it; the guess is the node with the earliest timestamp (-1 if nobody did).
    /// </summary>
    public static int FirstTimestamp(IReadOnlyDictionary<int, long> firstAnnouncementByNode)
    {
        int guess = -1;
        long best = Time.Never;
        foreach (var (node, time) in firstAnnouncementByNode)
            if (time < best || (time == best && node < guess))
            {
                best = time;
                guess = node;
            }
        return guess;
    }

    /// <summary>Precision and recall of a set of (true source, guess) pairs; a guess of -1 is never right.</summary>
    public static (double Precision, double Recall) Score(IReadOnlyList<(int Source, int Guess)> mapping)
    {
        if (mapping.Count == 0) return (0, 0);
        var pile = new Dictionary<int, int>();
        foreach (var (_, guess) in mapping)
            if (guess >= 0) pile[guess] = pile.GetValueOrDefault(guess) + 1;
        double precision = 0, recall = 0;
        foreach (var (source, guess) in mapping)
        {
            if (guess < 0 || guess != source) continue;
            recall += 1;
            precision += 1.0 / pile[guess];
        }
        return (precision / mapping.Count, recall / mapping.Count);
    }
}
