using Nodus.Core.Discovery;
using Nodus.Net.Storage;

namespace Nodus.Net.Tests.Storage;

/// <summary>
/// A child process that saves address books forever — generation g has 2,000 entries all with g attempts — printing
/// "saved g" after each commit, so a test can SIGKILL it mid-write and check that a whole book survives.
/// </summary>
public static class AddressBookWriterChild
{
    public const string Role = "addressbook-writer";
    public const int Entries = 2000;

    public static int Run(string[] args)
    {
        using var store = SqliteAddressStore.Open(args[0]);
        for (int g = 1; ; g++)
        {
            store.SaveAddressBook(SqliteAddressStoreTests.Book(Entries, generation: g));
            Console.WriteLine($"saved {g}");
        }
    }
}
