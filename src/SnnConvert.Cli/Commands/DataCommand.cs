using System.CommandLine;
using SnnConvert.Data;

namespace SnnConvert.Cli.Commands;

/// <summary><c>snnconvert data fetch|where</c>: download a dataset, or show where it is found.</summary>
public static class DataCommand
{
    /// <summary>Creates the command group.</summary>
    public static Command Create()
    {
        var fetchName = new Argument<string>("dataset") { Description = "mnist, fmnist or cifar10" };
        var fetch = new Command("fetch", "Download a dataset from its canonical mirrors (after SNNCONVERT_MIRROR, when set) into ~/.cache/snnconvert/datasets and verify its SHA-256") { fetchName };
        fetch.SetAction(parse => CommandRunner.Run(() =>
        {
            DatasetInfo info = DatasetCatalog.Find(parse.GetValue(fetchName)!);
            Console.Out.WriteLine($"fetched: {DatasetAccess.Fetch(info)}");
            return 0;
        }));

        var whereName = new Argument<string>("dataset") { Description = "mnist, fmnist or cifar10" };
        var dataDir = CommonOptions.DataDir();
        var where = new Command("where", "Show the places searched for a dataset and where each split is found") { whereName, dataDir };
        where.SetAction(parse => CommandRunner.Run(() =>
        {
            DatasetInfo info = DatasetCatalog.Find(parse.GetValue(whereName)!);
            var locator = DatasetLocator.CreateDefault(parse.GetValue(dataDir));
            foreach (var root in locator.Roots) Console.Out.WriteLine($"searched: {root.Path} ({SettingFlags.InText(root.Origin)})");
            bool found = true;
            foreach (string split in new[] { "train", "test" })
            {
                var location = locator.TryLocate(info, split);
                Console.Out.WriteLine($"{info.Name}/{split}: {location?.Path ?? "not found"}");
                found &= location is not null;
            }
            return found ? 0 : new Errors.DatasetNotFoundException("").ExitCode;
        }));
        return new Command("data", "Datasets: download or locate") { fetch, where };
    }
}
