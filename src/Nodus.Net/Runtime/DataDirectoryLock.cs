namespace Nodus.Net.Runtime;

/// <summary>
/// Keeps two nodes from sharing one data directory (their SQLite files and cookie would clash), as bitcoind's
/// .lock file does. The lock is an OS file lock on DATADIR/.lock, released when the process ends, even on a crash.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = ".lock";

    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    /// <summary>Takes the lock; throws <see cref="IOException"/> with a message for a person when another node holds it.</summary>
    public static DataDirectoryLock Acquire(string dataDir)
    {
        string path = Path.Combine(dataDir, FileName);
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Unix, a share lock on Windows.
            return new DataDirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new IOException($"data directory {dataDir} is in use by another nodus node (cannot lock {path})", e);
        }
    }

    public void Dispose() => _file.Dispose();
}
