namespace SnnConvert.Errors;

/// <summary>
/// The names <see cref="InvalidSettingException"/> gives the library's settings. They are the library's words for
/// them (the CLI maps each to its flag), kept here so that a front end's table and the throws cannot drift apart.
/// </summary>
public static class SettingNames
{
    /// <summary>The number of images thresholds are calibrated on.</summary>
    public const string CalibrationSamples = "calibration samples";
    /// <summary>The number of images bias and membrane calibration use at most.</summary>
    public const string PostCalibrationSamples = "post-calibration samples";
    /// <summary>Measure-and-correct passes of post-calibration per layer.</summary>
    public const string PostCalibrationPasses = "post-calibration passes";
    /// <summary>The time steps of a calibration run.</summary>
    public const string CalibrationSteps = "calibration steps";
    /// <summary>The images per batch.</summary>
    public const string BatchSize = "batch size";
    /// <summary>The time steps (latency) of a simulation.</summary>
    public const string TimeSteps = "time steps";
    /// <summary>A threshold method's name.</summary>
    public const string ThresholdMethod = "threshold method";
    /// <summary>The list of threshold methods a reproduction compares.</summary>
    public const string ThresholdMethods = "threshold methods";
    /// <summary>The percentile of a percentile threshold.</summary>
    public const string Percentile = "percentile";
    /// <summary>The number of training epochs.</summary>
    public const string Epochs = "epochs";
    /// <summary>The optimizer's name.</summary>
    public const string Optimizer = "optimizer";
    /// <summary>The optimizer's weight decay.</summary>
    public const string WeightDecay = "weight decay";
    /// <summary>The SGD momentum.</summary>
    public const string Momentum = "momentum";
    /// <summary>The side of the cutout square of training augmentation.</summary>
    public const string Cutout = "cutout";
    /// <summary>The label smoothing of the training loss.</summary>
    public const string LabelSmoothing = "label smoothing";
    /// <summary>The learning-rate schedule's kind.</summary>
    public const string LearningRateSchedule = "learning-rate schedule";
    /// <summary>The base learning rate.</summary>
    public const string LearningRate = "learning rate";
    /// <summary>The epochs between step-schedule decays.</summary>
    public const string StepEpochs = "step epochs";
    /// <summary>Resuming training from a checkpoint.</summary>
    public const string Resume = "resume";
    /// <summary>The model file whose weights a training run starts from (fine-tuning).</summary>
    public const string InitialModel = "initial model";
    /// <summary>The activation a network is trained with (ReLU or QCFS).</summary>
    public const string Activation = "activation";
    /// <summary>The quantisation levels L of a QCFS activation.</summary>
    public const string QuantisationLevels = "quantisation levels";
    /// <summary>The factor an ONNX model's [0, 1] pixels are scaled by.</summary>
    public const string InputScale = "input scale";
    /// <summary>The per-channel mean an ONNX model's input is shifted by.</summary>
    public const string InputMean = "input mean";
    /// <summary>The per-channel std an ONNX model's input is divided by.</summary>
    public const string InputStd = "input std";
    /// <summary>What conversion does with max pooling (refuse, gate or average).</summary>
    public const string MaxPoolHandling = "max-pool handling";
    /// <summary>Max-current as the paper writes it: copied weights, not multiplied by the thresholds of the layer before.</summary>
    public const string AsWritten = "as written";
    /// <summary>The latency whose clip-and-floor error the thresholds minimise.</summary>
    public const string TargetSteps = "target steps";
    /// <summary>The steps the output layer waits before it integrates (delayed evaluation), or "auto".</summary>
    public const string ReadoutDelay = "readout delay";
    /// <summary>The target latencies of a reproduction's low-latency rows.</summary>
    public const string LowLatencyRows = "low-latency rows";
    /// <summary>The folder searched first for datasets.</summary>
    public const string DataDirectory = "data directory";
    /// <summary>The ONNX graph output holding the class scores.</summary>
    public const string GraphOutput = "graph output";
    /// <summary>A dataset's name.</summary>
    public const string Dataset = "dataset";
    /// <summary>A dataset split ("train" or "test").</summary>
    public const string Split = "split";
    /// <summary>A model to convert.</summary>
    public const string Model = "model";
    /// <summary>The QCFS version of a reproduction's CNN, converted in a row of its own.</summary>
    public const string QcfsModel = "QCFS model";
    /// <summary>Which shard of how many a run evaluates ("K/N").</summary>
    public const string Shard = "shard";
}
