// Chapter 15: data-parallel training on Open MPI: DistributedDataParallel, the sampler, the
// cost of all-reduce, buckets and overlap. Run it under mpirun (see the README), or alone as
// a world of one process.
DistributedChapter.runAsChapter()
