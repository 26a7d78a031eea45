"""Cross-cutting pieces of tripgraph: settings, provenance, the domain vocabulary (`vocab/`)
and the command line."""
