"""Benchmarks of forumflow against minimal Temporal workflows, measured in the same run.

``python -m bench`` (or ``scripts/bench``) runs them; ``--quick`` uses tiny sizes.
Every figure is reported next to a baseline measured on the same server in the same
run, and as a ratio to it, because absolute times on a shared machine mean little.
"""
