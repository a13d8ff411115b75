using System.Text.Json.Nodes;
using SnnConvert.Snn;
using Xunit;

namespace SnnConvert.Tests.Snn;

public class ConversionRecordTests
{
    // The .snn header's "conversion" object as the conversion has always written it: the typed record must map it back
    // to the same text (same keys, order and number formatting), so that files stay byte-identical.
    private static readonly string Stored = JsonNode.Parse("""
        {"sourceModel":"m","warnings":["w"],"method":"max-current","granularity":"channel","percentile":100,"calibrationSamples":300,
         "layers":[{"stage":0,"layer":"conv2d 1->12 5x5 (spiking)","thresholds":12,"min":2.0933730602264404,"max":3.657283067703247,
                    "mean":2.8825934529304504,"deadChannels":0,"calibrationSteps":1,"note":"kept"}],
         "calibrationEncoding":"direct","calibrationSteps":64,"calibrationSeed":1,"rescaleInputs":false,"input":{"scale":255,"mean":[127.5],"std":[127.5],
         "meaning":"the model sees (scale * x - mean[c]) / std[c] for pixels x in [0, 1]; folded into the first layer"},
         "calibrationSeconds":1.1,"future":{"x":[1,null]}}
        """)!.ToJsonString();

    [Fact]
    public void StoredRecordRoundTripsToTheSameText()
    {
        ConversionRecord record = ConversionRecord.FromJson(JsonNode.Parse(Stored)!.AsObject());
        Assert.Equal("max-current", record.Method);
        Assert.Equal(100.0, record.Percentile);
        Assert.Equal(12, Assert.Single(record.LayerRecords).Thresholds);
        Assert.Equal(new InputPreprocessing(255, [127.5f], [127.5f]).ToJson().ToJsonString(), record.Input!.ToJson().ToJsonString());
        Assert.True(record.Other.ContainsKey("future"));   // unknown keys are kept
        Assert.Equal(JsonNode.Parse(Stored)!.ToJsonString(), record.ToJson().ToJsonString());
    }

    [Fact]
    public void TemplateRecordWritesOnlyWhatItHas()
    {
        var record = new ConversionRecord { SourceModel = "m", Warnings = [] };
        Assert.Equal("""{"sourceModel":"m","warnings":[]}""", record.ToJson().ToJsonString());
        Assert.Empty(record.LayerRecords);
    }

    [Fact]
    public void WrongKindOfValueIsAFormatError() =>
        Assert.Throws<FormatException>(() => ConversionRecord.FromJson(JsonNode.Parse("""{"method":3}""")!.AsObject()));
}
