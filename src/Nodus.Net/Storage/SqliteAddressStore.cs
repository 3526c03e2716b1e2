using System.Globalization;
using System.Net;
using Microsoft.Data.Sqlite;
using Nodus.Core.Discovery;

namespace Nodus.Net.Storage;

/// <summary>
/// The address book, manual bans and anchors on disk: one SQLite file in the data directory (WAL mode). Each save
/// replaces its table inside one transaction, so a node killed at any instant restarts with either the previous or
/// the new book, never a torn one (Bitcoin Core gets the same from writing peers.dat to a temporary file and renaming).
/// </summary>
public sealed class SqliteAddressStore : IAddressStore, IDisposable
{
    public const string DefaultFileName = "peers.sqlite";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS addr_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS addr_book (
            address BLOB PRIMARY KEY,   -- 16-byte IPv6 form and 2-byte big-endian port
            source BLOB NOT NULL,
            services INTEGER NOT NULL,
            time INTEGER NOT NULL,      -- core microseconds since the Unix epoch
            last_try INTEGER NOT NULL,
            last_success INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            in_tried INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS addr_bans (subnet BLOB PRIMARY KEY, prefix INTEGER NOT NULL, created INTEGER NOT NULL, until INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS addr_anchors (position INTEGER PRIMARY KEY, endpoint TEXT NOT NULL);
        """;

    private readonly SqliteConnection _connection;

    private SqliteAddressStore(SqliteConnection connection) => _connection = connection;

    public string Path => _connection.DataSource;

    public static SqliteAddressStore Open(string path)
    {
        var connection = SqliteDatabase.OpenWal(path);
        try
        {
            SqliteDatabase.Execute(connection, Schema);
            return new SqliteAddressStore(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public AddressBookSnapshot? LoadAddressBook()
    {
        ulong? k0 = ReadMeta("key0"), k1 = ReadMeta("key1");
        if (k0 is null || k1 is null) return null;
        var entries = new List<AddressRecord>();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT address, source, services, time, last_try, last_success, attempts, in_tried FROM addr_book";
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            // A damaged row is skipped, not fatal: the book is a cache of the network, it refills itself.
            if (ReadKey((byte[])r[0]) is not { } address || ReadKey((byte[])r[1]) is not { } source) continue;
            entries.Add(new AddressRecord(address, source, unchecked((ulong)r.GetInt64(2)), r.GetInt64(3), r.GetInt64(4),
                r.GetInt64(5), r.GetInt32(6), r.GetInt64(7) != 0));
        }
        return new AddressBookSnapshot(k0.Value, k1.Value, entries);
    }

    public void SaveAddressBook(AddressBookSnapshot snapshot)
    {
        using var tx = _connection.BeginTransaction();
        SqliteDatabase.Execute(_connection, "DELETE FROM addr_book", tx);
        using (var insert = _connection.CreateCommand())
        {
            insert.Transaction = tx;
            insert.CommandText = "INSERT OR REPLACE INTO addr_book VALUES ($a, $s, $sv, $t, $lt, $ls, $at, $tr)";
            var p = new[] { "$a", "$s", "$sv", "$t", "$lt", "$ls", "$at", "$tr" }.Select(n => insert.Parameters.Add(n, SqliteType.Blob)).ToArray();
            insert.Prepare();
            foreach (var e in snapshot.Entries)
            {
                p[0].Value = WriteKey(e.Address);
                p[1].Value = WriteKey(e.Source);
                p[2].Value = unchecked((long)e.Services);
                p[3].Value = e.Time;
                p[4].Value = e.LastTry;
                p[5].Value = e.LastSuccess;
                p[6].Value = e.Attempts;
                p[7].Value = e.InTried ? 1 : 0;
                insert.ExecuteNonQuery();
            }
        }
        WriteMeta("key0", snapshot.Key0, tx);
        WriteMeta("key1", snapshot.Key1, tx);
        tx.Commit();
    }

    public IReadOnlyList<BanEntry> LoadBans()
    {
        var bans = new List<BanEntry>();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT subnet, prefix, created, until FROM addr_bans ORDER BY created";
        using var r = cmd.ExecuteReader();
        while (r.Read())
            if (ReadKey((byte[])r[0]) is { } net)
                bans.Add(new BanEntry(SubNet.Of(net, r.GetInt32(1)), r.GetInt64(2), r.GetInt64(3)));
        return bans;
    }

    public void SaveBans(IReadOnlyList<BanEntry> bans)
    {
        using var tx = _connection.BeginTransaction();
        SqliteDatabase.Execute(_connection, "DELETE FROM addr_bans", tx);
        foreach (var b in bans)
        {
            using var insert = _connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = "INSERT OR REPLACE INTO addr_bans VALUES ($n, $p, $c, $u)";
            insert.Parameters.AddWithValue("$n", WriteKey(b.SubNet.Network));
            insert.Parameters.AddWithValue("$p", b.SubNet.PrefixLength);
            insert.Parameters.AddWithValue("$c", b.Created);
            insert.Parameters.AddWithValue("$u", b.Until);
            insert.ExecuteNonQuery();
        }
        tx.Commit();
    }

    public IReadOnlyList<IPEndPoint> LoadAnchors()
    {
        var anchors = new List<IPEndPoint>();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT endpoint FROM addr_anchors ORDER BY position";
        using var r = cmd.ExecuteReader();
        while (r.Read())
            if (IPEndPoint.TryParse(r.GetString(0), out var ep)) anchors.Add(ep);
        return anchors;
    }

    public void SaveAnchors(IReadOnlyList<IPEndPoint> anchors)
    {
        using var tx = _connection.BeginTransaction();
        SqliteDatabase.Execute(_connection, "DELETE FROM addr_anchors", tx);
        for (int i = 0; i < anchors.Count; i++)
        {
            using var insert = _connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO addr_anchors VALUES ($i, $e)";
            insert.Parameters.AddWithValue("$i", i);
            insert.Parameters.AddWithValue("$e", anchors[i].ToString());
            insert.ExecuteNonQuery();
        }
        tx.Commit();
    }

    public void Dispose() => _connection.Dispose();

    private static byte[] WriteKey(AddressKey key)
    {
        var bytes = new byte[18];
        key.Write(bytes);
        return bytes;
    }

    private static AddressKey? ReadKey(byte[] bytes)
    {
        if (bytes.Length != 18) return null;
        return new AddressKey(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(8)),
            System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(16)));
    }

    private ulong? ReadMeta(string key)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT value FROM addr_meta WHERE key = $k";
        cmd.Parameters.AddWithValue("$k", key);
        return cmd.ExecuteScalar() is string s && ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v : null;
    }

    private void WriteMeta(string key, ulong value, SqliteTransaction tx)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT OR REPLACE INTO addr_meta (key, value) VALUES ($k, $v)";
        cmd.Parameters.AddWithValue("$k", key);
        cmd.Parameters.AddWithValue("$v", value.ToString(CultureInfo.InvariantCulture));
        cmd.ExecuteNonQuery();
    }

}
