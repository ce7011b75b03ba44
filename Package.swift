// swift-tools-version:6.0
import PackageDescription

// Release builds get the CPU's vector units (AVX2 + FMA) on x86-64: elementwise kernels and
// Float16 conversion are several times faster with them. TORCHLIGHT_PORTABLE=1 turns this off
// for machines older than Haswell (2013).
var fastFlags: [SwiftSetting] = []
// One small target is built for AVX-512 (in every configuration, so tests run it too): the packed
// matrix product of the recurrent layers. Torchlight calls it only after checking that the CPU
// has AVX-512, and uses OpenBLAS otherwise.
var avx512Flags: [SwiftSetting] = []
#if arch(x86_64)
if Context.environment["TORCHLIGHT_PORTABLE"] == nil {
  fastFlags = [.unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release))]
  avx512Flags = [.unsafeFlags(["-target-cpu", "skylake-avx512"]), .define("TORCHLIGHT_AVX512")]
}
#endif

let package = Package(
  name: "Torchlight",
  products: [
    .library(name: "Torchlight", targets: ["Torchlight"]),
    .library(name: "TorchlightNN", targets: ["TorchlightNN"]),
    .library(name: "TorchlightOptim", targets: ["TorchlightOptim"]),
    .library(name: "TorchlightData", targets: ["TorchlightData"]),
    .library(name: "TorchlightPlot", targets: ["TorchlightPlot"]),
    .library(name: "TorchlightMetrics", targets: ["TorchlightMetrics"]),
    .library(name: "TorchlightVision", targets: ["TorchlightVision"]),
    .library(name: "TorchlightBoard", targets: ["TorchlightBoard"]),
    .library(name: "TorchlightDistributed", targets: ["TorchlightDistributed"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
  ],
  targets: [
    // MARK: System libraries
    // OpenBLAS is loaded at run time by this small C target, which first picks the fastest core the
    // CPU can run (docs/blas-cores.md); it still needs libopenblas-dev's cblas.h to build.
    .target(name: "COpenBLAS", path: "Sources/COpenBLAS", linkerSettings: [.linkedLibrary("dl")]),
    .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
    // Open MPI, with a header of functions that return its handle macros (MPI_COMM_WORLD, ...).
    .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi", providers: [.apt(["libopenmpi-dev"])]),

    // MARK: Engine
    .target(name: "TorchlightAVX512", swiftSettings: avx512Flags),
    .target(name: "Torchlight", dependencies: ["COpenBLAS", "TorchlightAVX512"], swiftSettings: fastFlags),
    .target(name: "TorchlightNN", dependencies: ["Torchlight"], swiftSettings: fastFlags),
    .target(name: "TorchlightOptim", dependencies: ["Torchlight"], swiftSettings: fastFlags),
    .target(name: "TorchlightData", dependencies: ["Torchlight", "CZlib"], swiftSettings: fastFlags),
    // Boxes for detection: formats, IoU, NMS, anchors and their assignment and offsets.
    .target(name: "TorchlightVision", dependencies: ["Torchlight"], swiftSettings: fastFlags),
    // Quality metrics of generated output (BLEU; the Fréchet distance and Inception Score on the
    // features of a Fashion-MNIST classifier it trains and keeps) and of detections (mAP): it knows no chapter.
    .target(name: "TorchlightMetrics", dependencies: ["Torchlight", "TorchlightNN", "TorchlightOptim", "TorchlightData", "TorchlightVision"],
            swiftSettings: fastFlags),

    // Data parallelism over MPI: process groups, DistributedDataParallel, DistributedSampler. The
    // only target that links MPI.
    .target(name: "TorchlightDistributed", dependencies: ["Torchlight", "TorchlightNN", "CMPI"], swiftSettings: fastFlags),

    // MARK: Figures and the chapters' shared kit
    .target(name: "TorchlightPlot"),
    // TensorBoard event files (TFRecord framing, Event/Summary protobufs encoded by hand): knows no tensor.
    .target(name: "TorchlightBoard"),
    .target(name: "ChapterKit", dependencies: [
      "Torchlight", "TorchlightNN", "TorchlightOptim", "TorchlightData", "TorchlightPlot", "TorchlightMetrics", "TorchlightBoard",
      .product(name: "ArgumentParser", package: "swift-argument-parser"),
    ], swiftSettings: fastFlags),

    // MARK: Chapters (one executable each)
    .executableTarget(name: "tensors", dependencies: ["ChapterKit", "TorchlightPlot"], path: "chapters/01-tensors",
                      swiftSettings: fastFlags),
    .executableTarget(name: "autograd", dependencies: ["ChapterKit", "TorchlightPlot"], path: "chapters/02-autograd",
                      swiftSettings: fastFlags),
    .executableTarget(name: "linear-regression", dependencies: ["ChapterKit", "TorchlightNN", "TorchlightOptim"],
                      path: "chapters/03-linear-regression", swiftSettings: fastFlags),
    .executableTarget(name: "softmax-regression", dependencies: ["ChapterKit", "TorchlightNN", "TorchlightOptim", "TorchlightData"],
                      path: "chapters/04-softmax-regression", swiftSettings: fastFlags),
    .executableTarget(name: "mlp", dependencies: ["ChapterKit", "TorchlightNN", "TorchlightOptim", "TorchlightData"],
                      path: "chapters/05-mlp", swiftSettings: fastFlags),
    .executableTarget(name: "optimizers", dependencies: ["ChapterKit", "TorchlightNN", "TorchlightOptim", "TorchlightData"],
                      path: "chapters/06-optimizers", swiftSettings: fastFlags),
    .executableTarget(name: "cnn", dependencies: ["ChapterKit", "TorchlightNN", "TorchlightOptim", "TorchlightData"],
                      path: "chapters/07-cnn", swiftSettings: fastFlags),
    .executableTarget(name: "normalization", dependencies: ["ChapterKit", "TorchlightNN", "TorchlightOptim", "TorchlightData"],
                      path: "chapters/08-normalization", swiftSettings: fastFlags),
    .executableTarget(name: "modern-cnn", dependencies: ["ChapterKit", "TorchlightNN", "TorchlightOptim", "TorchlightData"],
                      path: "chapters/09-modern-cnn", swiftSettings: fastFlags),
    .executableTarget(name: "rnn", dependencies: ["ChapterKit", "TorchlightNN", "TorchlightOptim", "TorchlightData"],
                      path: "chapters/10-rnn", swiftSettings: fastFlags),
    .executableTarget(name: "attention", dependencies: ["ChapterKit", "TorchlightNN", "TorchlightOptim", "TorchlightData", "TorchlightMetrics"],
                      path: "chapters/11-attention", swiftSettings: fastFlags),
    .executableTarget(name: "gan", dependencies: ["ChapterKit", "TorchlightNN", "TorchlightOptim", "TorchlightData", "TorchlightMetrics"],
                      path: "chapters/12-gan", swiftSettings: fastFlags),
    .executableTarget(name: "diffusion", dependencies: ["ChapterKit", "TorchlightNN", "TorchlightOptim", "TorchlightData", "TorchlightMetrics"],
                      path: "chapters/13-diffusion", swiftSettings: fastFlags),
    .executableTarget(name: "precision", dependencies: ["ChapterKit", "TorchlightNN", "TorchlightOptim", "TorchlightData"],
                      path: "chapters/14-precision", swiftSettings: fastFlags),
    .executableTarget(name: "distributed", dependencies: ["ChapterKit", "TorchlightNN", "TorchlightOptim", "TorchlightData", "TorchlightDistributed"],
                      path: "chapters/15-distributed", swiftSettings: fastFlags),
    .executableTarget(name: "vision", dependencies: ["ChapterKit", "TorchlightNN", "TorchlightOptim", "TorchlightData", "TorchlightMetrics",
                                                     "TorchlightVision", "TorchlightPlot"],
                      path: "chapters/16-vision", swiftSettings: fastFlags),

    // MARK: Benchmarks (`make bench`)
    .executableTarget(name: "torchlight-bench", dependencies: ["Torchlight", "TorchlightNN", "TorchlightOptim", "TorchlightData", "COpenBLAS"],
                      path: "Benchmarks/torchlight-bench", swiftSettings: fastFlags),

    // MARK: Tests
    // Feeds mutated IDX and safetensors files to the loaders in a child process of LoaderFuzzTests,
    // so that a crash is reported with the input that caused it.
    .executableTarget(name: "torchlight-fuzz", dependencies: ["Torchlight", "TorchlightNN", "TorchlightData"], path: "Tests/fuzz"),
    // Runs collectives, DistributedDataParallel and the sampler on 1–3 ranks under mpirun, as a
    // child process of TorchlightDistributedTests (MPI must never start inside the test runner).
    .executableTarget(name: "torchlight-mpi-check", dependencies: ["TorchlightDistributed", "TorchlightNN", "TorchlightOptim"],
                      path: "Tests/mpi-check"),
    .testTarget(name: "TorchlightTests", dependencies: ["Torchlight", "COpenBLAS"]),
    .testTarget(name: "TorchlightDistributedTests", dependencies: []),
    .testTarget(name: "TorchlightNNTests", dependencies: ["TorchlightNN", "TorchlightOptim"]),
    .testTarget(name: "TorchlightPlotTests", dependencies: ["TorchlightPlot"]),
    .testTarget(name: "TorchlightBoardTests", dependencies: ["TorchlightBoard"]),
    .testTarget(name: "TorchlightOptimTests", dependencies: ["TorchlightOptim", "TorchlightNN"]),
    .testTarget(name: "TorchlightDataTests", dependencies: ["TorchlightData"]),
    .testTarget(name: "TorchlightVisionTests", dependencies: ["TorchlightVision"]),
    .testTarget(name: "TorchlightMetricsTests", dependencies: ["TorchlightMetrics", "TorchlightNN", "TorchlightData"]),
    .testTarget(name: "ChapterTests", dependencies: ["ChapterKit", "TorchlightBoard"]),
  ]
)
