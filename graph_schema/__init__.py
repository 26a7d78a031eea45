"""The graph model and the store backends behind one `GraphStore` interface."""
