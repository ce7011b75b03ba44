// Chapter 14: number formats and mixed precision: float32, float16 and bfloat16, their arithmetic,
// and training under autocast with and without loss scaling.
PrecisionChapter.runAsChapter()
