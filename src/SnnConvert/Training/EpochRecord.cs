namespace SnnConvert.Training;

/// <summary>What one epoch achieved.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainLoss">Mean training loss over the epoch (dropout and augmentation active).</param>
/// <param name="TrainAccuracy">Training accuracy in percent over the epoch.</param>
/// <param name="TestLoss">Test loss after the epoch.</param>
/// <param name="TestAccuracy">Test accuracy in percent after the epoch.</param>
/// <param name="LearningRate">Learning rate at the end of the epoch.</param>
/// <param name="Seconds">Wall time of the epoch's training part.</param>
public sealed record EpochRecord(int Epoch, double TrainLoss, double TrainAccuracy, double TestLoss, double TestAccuracy, double LearningRate, double Seconds);

/// <summary>Progress within an epoch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="Batch">Batches done in this epoch.</param>
/// <param name="Batches">Batches per epoch.</param>
/// <param name="Loss">Running mean training loss of the epoch.</param>
/// <param name="ImagesPerSecond">Throughput since the epoch (or the resumed part of it) started.</param>
public sealed record BatchProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double ImagesPerSecond);

/// <summary>Receives training events (the CLI draws progress bars from them).</summary>
public interface ITrainingObserver
{
    /// <summary>After every batch.</summary>
    void OnBatch(BatchProgress progress);
    /// <summary>After every epoch's evaluation.</summary>
    void OnEpoch(EpochRecord record);
    /// <summary>Informational messages (resuming, checkpoint written...).</summary>
    void OnMessage(string message);
}
