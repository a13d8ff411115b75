using SnnConvert.Reporting;
using Xunit;

namespace SnnConvert.Tests.Reporting;

public class LabelFileNameTests
{
    [Theory]
    [InlineData("max-current", "max-current")]
    [InlineData("max-current p99.9", "max-current_p99.9")]
    [InlineData("low-latency T=8", "low-latency_T_8")]
    [InlineData("qcfs L=4", "qcfs_L_4")]
    [InlineData("a/b\\c:d", "a_b_c_d")]
    [InlineData("é", "_")]
    public void Keeps_ascii_letters_digits_dash_and_dot_and_replaces_the_rest(string label, string stem) =>
        Assert.Equal(stem, LabelFileName.Stem(label));
}
