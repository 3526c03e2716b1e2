using System.Numerics;
using Microsoft.Data.Sqlite;
using Nodus.Core.Chain;
using Nodus.Wire.Encoding;
using Nodus.Wire.Types;

namespace Nodus.Net.Storage;

/// <summary>
/// The chain on disk: one SQLite file with the header index (each header with its height and cumulative work), the
/// block bodies, and the height → hash mapping of the active chain. Headers and bodies are only ever inserted.
/// <para>
/// Crash safety: every <see cref="Write"/> is one transaction, so a process killed at any instant leaves either the
/// whole batch (header, body and chain move of one block) or none of it. WAL mode with synchronous=NORMAL: a
/// committed transaction is in the WAL file before the commit returns, so it survives the process being killed;
/// only an operating-system crash or power cut may roll back the last commits (never corrupt the file), and those
/// blocks are simply fetched again. FULL would fsync on every block and slow sync for no gain against a SIGKILL.
/// </para>
/// </summary>
public sealed class SqliteChainStore : IChainStore
{
    public const string DefaultFileName = "chain.sqlite";

    /// <summary>Bumped when the tables change shape; a store of another version is refused rather than misread.</summary>
    public const int SchemaVersion = 1;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS chain_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS chain_headers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            hash BLOB NOT NULL UNIQUE,
            header BLOB NOT NULL,
            height INTEGER NOT NULL,
            chain_work BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS chain_blocks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            hash BLOB NOT NULL UNIQUE,
            body BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS chain_active (height INTEGER PRIMARY KEY, hash BLOB NOT NULL);
        """;

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insertHeader;
    private readonly SqliteCommand _insertBody;
    private readonly SqliteCommand _truncateActive;
    private readonly SqliteCommand _insertActive;
    private readonly SqliteCommand _readBody;

    private SqliteChainStore(SqliteConnection connection)
    {
        _connection = connection;
        _insertHeader = Prepare("INSERT OR IGNORE INTO chain_headers (hash, header, height, chain_work) VALUES ($hash, $header, $height, $work)",
            "$hash", "$header", "$height", "$work");
        _insertBody = Prepare("INSERT OR IGNORE INTO chain_blocks (hash, body) VALUES ($hash, $body)", "$hash", "$body");
        _truncateActive = Prepare("DELETE FROM chain_active WHERE height > $height", "$height");
        _insertActive = Prepare("INSERT OR REPLACE INTO chain_active (height, hash) VALUES ($height, $hash)", "$height", "$hash");
        _readBody = Prepare("SELECT body FROM chain_blocks WHERE hash = $hash", "$hash");
    }

    public string Path => _connection.DataSource;

    /// <summary>Opens (creating if needed) the store at <paramref name="path"/>.</summary>
    public static SqliteChainStore Open(string path)
    {
        var connection = SqliteDatabase.OpenWal(path);
        try
        {
            SqliteDatabase.Execute(connection, Schema);
            using var version = connection.CreateCommand();
            version.CommandText = "SELECT value FROM chain_meta WHERE key = 'schema'";
            var stored = version.ExecuteScalar() as string;
            if (stored is null)
                SqliteDatabase.Execute(connection, $"INSERT INTO chain_meta (key, value) VALUES ('schema', '{SchemaVersion}')");
            else if (stored != SchemaVersion.ToString())
                throw new ChainStoreException($"{path} has chain schema {stored}; this Nodus reads schema {SchemaVersion}");
            return new SqliteChainStore(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public ChainSnapshot Load()
    {
        var headers = new List<StoredHeader>();
        using (var cmd = _connection.CreateCommand())
        {
            cmd.CommandText = "SELECT hash, header, height, chain_work FROM chain_headers ORDER BY id";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                var hash = new Hash256((byte[])reader[0]);
                var header = Wire.Encoding.Wire.Decode<BlockHeader>((byte[])reader[1]);
                var work = new BigInteger((byte[])reader[3], isUnsigned: true, isBigEndian: true);
                headers.Add(new StoredHeader(hash, header, reader.GetInt32(2), work));
            }
        }

        var bodies = new HashSet<Hash256>();
        using (var cmd = _connection.CreateCommand())
        {
            cmd.CommandText = "SELECT hash FROM chain_blocks ORDER BY id";
            using var reader = cmd.ExecuteReader();
            while (reader.Read()) bodies.Add(new Hash256((byte[])reader[0]));
        }

        var active = new List<Hash256>();
        using (var cmd = _connection.CreateCommand())
        {
            cmd.CommandText = "SELECT height, hash FROM chain_active ORDER BY height";
            using var reader = cmd.ExecuteReader();
            // Only a gap-free prefix from genesis is a chain; anything else is recomputed by ChainState.
            while (reader.Read() && reader.GetInt32(0) == active.Count) active.Add(new Hash256((byte[])reader[1]));
        }
        return new ChainSnapshot(headers, bodies, active);
    }

    public void Write(ChainBatch batch)
    {
        if (batch.IsEmpty) return;
        using var transaction = _connection.BeginTransaction();
        foreach (var h in batch.Headers)
        {
            Bind(_insertHeader, transaction, h.Hash.ToArray(), Wire.Encoding.Wire.Encode(h.Header), h.Height,
                h.ChainWork.ToByteArray(isUnsigned: true, isBigEndian: true));
            _insertHeader.ExecuteNonQuery();
        }
        if (batch.Body is { } body)
        {
            Bind(_insertBody, transaction, body.GetHash().ToArray(), body.Serialize());
            _insertBody.ExecuteNonQuery();
        }
        if (batch.ActiveChain is { } change)
        {
            Bind(_truncateActive, transaction, change.ForkHeight);
            _truncateActive.ExecuteNonQuery();
            for (int i = 0; i < change.Connected.Count; i++)
            {
                Bind(_insertActive, transaction, change.ForkHeight + 1 + i, change.Connected[i].ToArray());
                _insertActive.ExecuteNonQuery();
            }
        }
        transaction.Commit();
    }

    public Block? ReadBlock(Hash256 hash)
    {
        Bind(_readBody, null, hash.ToArray());
        return _readBody.ExecuteScalar() is byte[] bytes ? Wire.Encoding.Wire.Decode<Block>(bytes) : null;
    }

    public void Dispose()
    {
        _insertHeader.Dispose();
        _insertBody.Dispose();
        _truncateActive.Dispose();
        _insertActive.Dispose();
        _readBody.Dispose();
        _connection.Dispose();
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var p in parameters) cmd.Parameters.Add(new SqliteParameter { ParameterName = p });
        return cmd;
    }

    private static void Bind(SqliteCommand cmd, SqliteTransaction? transaction, params object[] values)
    {
        cmd.Transaction = transaction;
        for (int i = 0; i < values.Length; i++) cmd.Parameters[i].Value = values[i];
    }

}
