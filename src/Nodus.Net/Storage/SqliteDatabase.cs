using Microsoft.Data.Sqlite;

namespace Nodus.Net.Storage;

/// <summary>How every Nodus store opens its SQLite file: WAL journal, synchronous=NORMAL, no pooling.</summary>
/// <remarks>
/// WAL with synchronous=NORMAL survives a killed process: a committed transaction is in the WAL file when the
/// commit returns; only a power cut can lose the last commits, and the file stays consistent (docs/chain.md).
/// </remarks>
internal static class SqliteDatabase
{
    public static SqliteConnection OpenWal(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        connection.Open();
        try
        {
            Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = transaction;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
