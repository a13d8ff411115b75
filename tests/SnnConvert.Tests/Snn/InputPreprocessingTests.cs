using System.Text.Json.Nodes;
using SnnConvert.Onnx;
using SnnConvert.Snn;
using Xunit;

namespace SnnConvert.Tests.Snn;

public class InputPreprocessingTests
{
    [Fact]
    public void The_record_reads_and_writes_the_importers_input_object_unchanged()
    {
        // What OnnxImporter puts in the model's training record and the conversion has always copied into the .snn file.
        JsonObject written = new OnnxInputScaling(255f, [0.4914f, 0.4822f, 0.4465f], [0.247f, 0.2435f, 0.2616f]).ToJson();
        string stored = JsonNode.Parse(written.ToJsonString())!.ToJsonString();   // as read back from a file
        InputPreprocessing record = InputPreprocessing.FromJson(JsonNode.Parse(stored)!);
        Assert.Equal(255f, record.Scale);
        Assert.Equal([0.4914f, 0.4822f, 0.4465f], record.Mean);
        Assert.Equal([0.247f, 0.2435f, 0.2616f], record.Std);
        Assert.Equal(stored, record.ToJson().ToJsonString());
        Assert.Equal(written.ToJsonString(), record.ToJson().ToJsonString());
    }

    [Fact]
    public void Same_as_compares_the_numbers_and_not_the_list_objects()
    {
        var a = new InputPreprocessing(1f, [0.5f], [0.25f]);
        Assert.True(a.SameAs(new InputPreprocessing(1f, [0.5f], [0.25f])));
        Assert.False(a.SameAs(new InputPreprocessing(1f, [0.5f], [0.5f])));
        Assert.False(a.SameAs(new InputPreprocessing(255f, [0.5f], [0.25f])));
        Assert.False(a.SameAs(null));
    }

    [Fact]
    public void A_missing_or_mistyped_field_is_a_format_error()
    {
        Assert.Throws<FormatException>(() => InputPreprocessing.FromJson(JsonNode.Parse("""{"mean":[0],"std":[1]}""")!));
        Assert.Throws<FormatException>(() => InputPreprocessing.FromJson(JsonNode.Parse("""{"scale":1,"mean":0,"std":[1]}""")!));
        Assert.Throws<FormatException>(() => InputPreprocessing.FromJson(JsonNode.Parse("""{"scale":"one","mean":[0],"std":[1]}""")!));
    }
}
