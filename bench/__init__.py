"""`make bench`: the server's throughput and correctness under load, as one markdown table.

`python -m bench.run` runs every benchmark in `bench.run.BENCHMARKS` in order, prints the
table and writes it, with the machine it ran on, to docs/benchmarks.md."""
