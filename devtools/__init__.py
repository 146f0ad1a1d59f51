"""Developer tooling kept out of the installed product: the Temporal toolchain, the dev server,
the local run command, the demo and the seed cases; may import anything.
"""
