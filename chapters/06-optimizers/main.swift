// Chapter 06: optimizers and learning-rate schedules.
OptimizersChapter.runAsChapter()
