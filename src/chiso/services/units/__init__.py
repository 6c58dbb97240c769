"""Organisation units: finding one by key, code or name (the one resolver), listing, showing and
exporting them with their lineage, seeding the national lists, importing a province's own
units, and the registries units keep."""
