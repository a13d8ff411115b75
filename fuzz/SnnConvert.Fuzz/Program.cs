using SharpFuzz;
using SnnConvert.Errors;

namespace SnnConvert.Fuzz;

/// <summary>
/// AFL++ harness (SharpFuzz persistent mode) for every parser of files that come from elsewhere (the targets are
/// in Targets.cs). One process runs one target, named by the first argument. The contract under test: any input
/// gives a value or an <see cref="SnnConvertException"/> (our documented categories). Anything else escapes and is a
/// crash for afl-fuzz: another exception type, a hang (afl-fuzz's -t), or an allocation far beyond what the input
/// can justify (checked by FuzzTargets.Checked, because a lying header must never cost gigabytes).
/// </summary>
/// <remarks>
/// <c>dotnet SnnConvert.Fuzz.dll TARGET FILE...</c> (files given) runs the inputs once each, outside afl-fuzz,
/// and reports each outcome: that is how a crash is replayed and how the regression tests' inputs are checked.
/// </remarks>
public static class Program
{
    /// <summary>Runs the target named by <paramref name="args"/>[0] under afl-fuzz, or once per file given after it.</summary>
    public static int Main(string[] args)
    {
        if (args is ["seeds", string corpus])
        {
            Seeds.Write(corpus);
            return 0;
        }
        if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var target))
        {
            Console.Error.WriteLine($"usage: SnnConvert.Fuzz TARGET [FILE...] | seeds CORPUS_DIR; targets: {string.Join(", ", FuzzTargets.All.Keys)}");
            return 2;
        }
        Directory.CreateDirectory(FuzzTargets.Scratch);
        try
        {
            if (args.Length > 1)
            {
                int failures = 0;
                foreach (string file in args.Skip(1))
                {
                    try { FuzzTargets.Checked(target, File.ReadAllBytes(file)); Console.WriteLine($"ok    {file}"); }
                    catch (Exception e) { failures++; Console.WriteLine($"CRASH {file}: {e}"); }
                }
                return failures == 0 ? 0 : 1;
            }
            Fuzzer.Run(stream =>
            {
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                FuzzTargets.Checked(target, buffer.ToArray());
            });
            return 0;
        }
        finally
        {
            try { Directory.Delete(FuzzTargets.Scratch, recursive: true); } catch (IOException) { }
        }
    }
}
