#!/usr/bin/env bash
# Chapter 15 in full (`make distributed`): the same training at 1 rank × 1 thread, 1 process × 2
# threads, 2 ranks × 1 thread and 4 ranks × 1 thread (oversubscribed on two cores), the all-reduce
# over shared memory and over TCP on the loopback interface, then the figures of all of them.
# Extra arguments go to every run (e.g. --quick, --output DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v mpirun >/dev/null 2>&1; then
  echo "distributed: mpirun not found; install Debian's openmpi-bin and libopenmpi-dev (make setup does)" >&2
  exit 1
fi
swift build -c release --product distributed
bin=.build/release/distributed
# Open MPI refuses to start as root without these (--allow-run-as-root says the same).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
"$bin" --part training --threads 1 "$@"
"$bin" --part training --threads 2 "$@"
mpirun -np 2 "$bin" --threads 1 --part training "$@"
mpirun -np 2 "$bin" --threads 1 --part allreduce "$@"
mpirun -np 2 --mca btl self,tcp --mca btl_tcp_if_include lo "$bin" --threads 1 --part allreduce "$@"
mpirun -np 2 "$bin" --threads 1 --part buckets --network lenet "$@"
mpirun -np 4 --oversubscribe "$bin" --threads 1 --part training "$@"
mpirun -np 4 --oversubscribe "$bin" --threads 1 --part allreduce "$@"
mpirun -np 4 --oversubscribe "$bin" --threads 1 --part fedavg "$@"
"$bin" --part report "$@"
