"""Developer tooling kept out of the installed product: the Temporal toolchain, the dev
server, the local run command, the demo, the seed cases and the examples written from them,
and the worker process the tests and benchmarks start; may import anything.
"""
