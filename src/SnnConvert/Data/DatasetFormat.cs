namespace SnnConvert.Data;

/// <summary>How a dataset's files are laid out on disk, which decides the reader.</summary>
public enum DatasetFormat
{
    /// <summary>Four IDX files (train/t10k images and labels), raw or gzip: MNIST and Fashion-MNIST.</summary>
    Idx,
    /// <summary>The CIFAR-10 binary version: a cifar-10-batches-bin folder or cifar-10-binary.tar.gz.</summary>
    Cifar10Binary,
}
