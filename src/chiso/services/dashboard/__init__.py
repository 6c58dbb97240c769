"""What the web pages show: the overview of a period, rankings, a unit's page, an indicator's
page, computed once per data version and kept in the runtime's page cache."""
