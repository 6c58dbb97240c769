"""Tasks assigned by directives: imported from the office's spreadsheet, reported on by the
units that lead them, chased when late."""
