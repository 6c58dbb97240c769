"""The yearly self-assessment: rounds, each unit's file, the council's review, approval and
publication, and the evidence files attached to it (and to task reports)."""
