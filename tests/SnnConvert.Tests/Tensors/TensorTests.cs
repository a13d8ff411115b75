using SnnConvert.Tensors;
using Xunit;

namespace SnnConvert.Tests.Tensors;

public class TensorTests
{
    [Fact]
    public void Wrapping_data_checks_the_length_against_the_shape()
    {
        var t = new Tensor(new float[6], 2, 3);
        Assert.Equal([2, 3], t.Shape);
        Assert.Equal(3, t.Dim(-1));
        Assert.Throws<ArgumentException>(() => new Tensor(new float[5], 2, 3));
        Assert.Throws<ArgumentException>(() => new Tensor(2, -1));
    }

    [Fact]
    public void Reshape_shares_data_and_clone_copies_it()
    {
        var t = new Tensor(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Tensor r = t.Reshape(3, 2), c = t.Clone();
        r.Data[5] = 60;
        c.Data[0] = 10;
        Assert.Equal(60, t.Data[5]);
        Assert.Equal(1, t.Data[0]);
        Assert.Throws<ArgumentException>(() => t.Reshape(4, 2));
        Assert.Equal("[2, 3]", t.ShapeText);
    }
}
