using SnnConvert.Training;
using Spectre.Console;

namespace SnnConvert.Cli;

/// <summary>Draws one progress bar per epoch and prints a line per finished epoch (train, and reproduce --train).</summary>
public sealed class TrainingProgressObserver(ProgressBoard context) : ITrainingObserver
{
    private ProgressItem? _task;
    private int _epoch;

    /// <inheritdoc/>
    public void OnBatch(BatchProgress p)
    {
        if (_task is null || _epoch != p.Epoch)
        {
            _task = context.AddTask($"epoch {p.Epoch}/{p.Epochs}", maxValue: p.Batches);
            _epoch = p.Epoch;
        }
        _task.Value = p.Batch;
        _task.Description = $"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F4} {p.ImagesPerSecond:F0} img/s";
    }

    /// <inheritdoc/>
    public void OnEpoch(EpochRecord r)
    {
        _task?.StopTask();
        Terminal.Error.MarkupLine(Markup.Escape(
            $"epoch {r.Epoch}: train loss {r.TrainLoss:F4} acc {r.TrainAccuracy:F2}% | test loss {r.TestLoss:F4} acc {r.TestAccuracy:F2}% | lr {r.LearningRate:G3} | {r.Seconds:F1} s"));
    }

    /// <inheritdoc/>
    public void OnMessage(string message) => Terminal.Log(message);
}
