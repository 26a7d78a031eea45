"""Place-name mapping between two place databases (1:N candidates → pick → 1:1 verify),
the batch pipeline that runs it, and the SAME_AS writer."""
