"""Letters, appendices, committee reports and ranking decisions in the Decree 30/2020 format."""
