using System.CommandLine;
using SnnConvert.Cli;
using SnnConvert.Conversion;
using Xunit;

namespace SnnConvert.Tests.Conversion;

/// <summary>Parses calibration flags the way `convert` does (its calibration options plus the ones named) into conversion options.</summary>
internal static class ConversionFlagParsing
{
    /// <summary>max-current's conversion options from <paramref name="args"/>, with <paramref name="extra"/>'s options added to the calibration ones.</summary>
    public static ConversionOptions Parse(Func<SnnOptions, Option> extra, params string[] args)
    {
        var o = new SnnOptions();
        var command = new RootCommand();
        foreach (Option option in o.Calibration) command.Add(option);
        command.Add(extra(o));
        ParseResult parse = command.Parse(args);
        Assert.Empty(parse.Errors);
        return o.Conversion(parse, "max-current", 1);
    }
}
