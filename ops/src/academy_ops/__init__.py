"""Tools for the people who run Cluster Academy: the ``academy`` command."""
