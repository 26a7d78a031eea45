"""Cross-cutting pieces of tripgraph: settings and the command line."""
